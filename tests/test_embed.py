"""Sentence encoders on real models: shapes, unit rows, meaning over wording, order, blanks, two languages."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from newsloom.embeddings import (
    Encoder,
    EncoderUnavailable,
    HashedEncoder,
    MiniLMEncoder,
    MultilingualEncoder,
    article_text,
    load_encoder,
)
from newsloom.model import Article

RATE_RISE = "The central bank of Velmora raised its main interest rate by a quarter point on Tuesday."
RATE_RISE_REWORDED = "On Tuesday Velmora's central bank increased its key interest rate by 0.25 percentage points."
STRIKER = "Harbor Falls Rovers signed a young striker from Kaldoria for a club record fee."
FLOOD = "Floods forced thousands of residents of the coastal town of Greyhaven to leave their homes."


@pytest.fixture(scope="module")
def minilm() -> Iterator[MiniLMEncoder]:
    yield MiniLMEncoder(batch_size=4)  # small batches, so the tests cross batch edges


@pytest.fixture(scope="module")
def multilingual() -> Iterator[MultilingualEncoder]:
    yield MultilingualEncoder()


def test_minilm_rows_are_unit_float32(minilm: MiniLMEncoder) -> None:
    rows = minilm.encode([RATE_RISE, STRIKER, FLOOD])
    assert rows.shape == (3, 384) == (3, minilm.dimensions)
    assert rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    assert isinstance(minilm, Encoder)


def test_minilm_meaning_beats_wording(minilm: MiniLMEncoder) -> None:
    rise, reworded, striker, flood = minilm.encode([RATE_RISE, RATE_RISE_REWORDED, STRIKER, FLOOD])
    assert rise @ reworded > 0.7
    assert rise @ striker < 0.3
    assert rise @ flood < 0.3


def test_minilm_keeps_the_order_of_the_texts_when_it_sorts_them_by_length(minilm: MiniLMEncoder) -> None:
    # Lengths that the sort must reorder, across more than one batch of 4.
    texts = [FLOOD + " " + RATE_RISE, "Storm.", STRIKER, RATE_RISE, "Rates rise.", FLOOD, STRIKER + " " + FLOOD]
    together = minilm.encode(texts)
    one_by_one = np.vstack([minilm.encode([text]) for text in texts])
    assert np.allclose(together, one_by_one, atol=1e-4)


def test_minilm_cuts_long_texts_at_max_tokens() -> None:
    short = MiniLMEncoder(max_tokens=16)
    ids = short.tokenize([" ".join([FLOOD] * 20)])
    assert len(ids[0]) == 16
    rows = short.encode([" ".join([FLOOD] * 20), FLOOD])
    assert rows[0] @ rows[1] > 0.8  # the first 16 tokens are the flood's own


def test_blank_texts_give_zero_rows_never_nan(minilm: MiniLMEncoder, multilingual: MultilingualEncoder) -> None:
    for encoder in (minilm, multilingual, HashedEncoder()):
        rows = encoder.encode(["", RATE_RISE, "   "])
        assert not np.isnan(rows).any(), encoder.name
        assert np.linalg.norm(rows[0]) == 0.0 and np.linalg.norm(rows[2]) == 0.0, encoder.name
        assert np.linalg.norm(rows[1]) == pytest.approx(1.0, abs=1e-5), encoder.name
        assert encoder.encode([]).shape == (0, encoder.dimensions)


def test_encode_refuses_a_bare_string(minilm: MiniLMEncoder) -> None:
    with pytest.raises(TypeError, match=r"encode\(\[text\]\)"):
        minilm.encode(RATE_RISE)


def test_multilingual_joins_a_french_and_an_english_report_of_one_event(multilingual: MultilingualEncoder) -> None:
    english = "The president of Ostrenia met the prime minister in Paris to discuss the new trade agreement."
    french = (
        "Le président de l'Ostrénie a rencontré le Premier ministre à Paris pour discuter du nouvel accord commercial."
    )
    volcano = "A volcano erupted in the north of the island, and flights across the region were cancelled."
    rows = multilingual.encode([english, french, volcano])
    assert rows.shape == (3, 512)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    assert rows[0] @ rows[1] > 0.7
    assert rows[0] @ rows[1] > rows[0] @ rows[2] + 0.4
    assert rows[1] @ rows[2] < 0.3


def test_hashed_encoder_matches_shared_words_without_a_model() -> None:
    hashed = HashedEncoder(dimensions=512)
    rise, reworded, striker = hashed.encode([RATE_RISE, RATE_RISE_REWORDED, STRIKER])
    assert rise.shape == (512,)
    assert rise @ reworded > rise @ striker
    assert np.allclose(hashed.encode([STRIKER]), hashed.encode([STRIKER]))  # no randomness between calls


def test_load_encoder_by_name_and_options() -> None:
    hashed = load_encoder("hashed", dimensions=64)
    assert hashed.name == "hashed" and hashed.dimensions == 64
    minilm = load_encoder("MiniLM", batch_size=8, threads=1)
    assert isinstance(minilm, MiniLMEncoder) and minilm.batch_size == 8


def test_unknown_encoder_names_the_choices_and_the_install_command() -> None:
    with pytest.raises(
        EncoderUnavailable, match=r"no encoder named 'word2vec'.*minilm, multilingual, hashed.*pip install"
    ):
        load_encoder("word2vec")


def test_bad_options_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="bad option for the 'minilm' encoder"):
        load_encoder("minilm", tokens=64)
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        MiniLMEncoder(batch_size=0)
    with pytest.raises(EncoderUnavailable, match="no such file"):
        MiniLMEncoder(model_path="/nonexistent/model.onnx")


def test_article_text_is_the_headline_then_the_lead() -> None:
    article = Article(
        id="a1",
        title="Velmora raises interest rates",
        text="VELMORA CITY (Meridian Wire) — The central bank raised rates on Tuesday. " + "More detail. " * 200,
    )
    text = article_text(article, max_words=20)
    assert text.startswith("Velmora raises interest rates The central bank raised rates on Tuesday.")
    assert "Meridian Wire" not in text  # the dateline says nothing of the event
    assert len(text.split()) == 20


def test_article_text_does_not_repeat_a_headline_only_text() -> None:
    headline = "Fed official says weak data caused by weather"
    assert article_text(Article(id="u1", title=headline, text=headline)) == headline
    assert article_text(Article(id="u2", title="", text="Only a text here.")) == "Only a text here."
    with pytest.raises(ValueError, match="max_words"):
        article_text(Article(id="u3", title=headline), max_words=0)
