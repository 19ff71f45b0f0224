"""Language identification (py3langid, a bundled model: no download)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

MAX_LANGUAGE_TAG_CHARS = 35  # BCP 47 asks every implementation to take tags this long
_LANGUAGE_TAG = re.compile(r"[a-z]{1,8}(?:-[a-z0-9]{1,8})*")


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


def language_tag(value: str | None) -> str | None:
    """The value as a BCP 47-like language tag, lower case ('en', 'pt-br', 'zh-hant-tw'): letters, then subtags of
    letters and digits joined by hyphens (an underscore counts as one), at most 35 characters; None when it is
    no such tag."""
    if not value:
        return None
    tag = value.strip().replace("_", "-").lower()
    if len(tag) > MAX_LANGUAGE_TAG_CHARS or not _LANGUAGE_TAG.fullmatch(tag):
        return None
    return tag
