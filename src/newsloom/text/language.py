"""Language identification (py3langid, a bundled model: no download)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, minimum_confidence: float = 0.5) -> str | None:
    """ISO 639-1 code of the text's language, or None when the text is too short or the guess too weak."""
    sample = text[:2000]
    if len(sample.split()) < 3:
        return None
    code, confidence = _identifier().classify(sample)
    return str(code) if confidence >= minimum_confidence else None
