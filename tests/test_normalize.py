import hashlib
from datetime import UTC, datetime

import pytest

from newsloom.model import Article
from newsloom.normalize import EmptyArticle, content_hash, normalize


def test_html_stripped_entities_unescaped_and_furniture_removed() -> None:
    article = normalize(
        Article(
            id="n1",
            title="Ferry &amp; crew return",
            text="<p>The ferry returned at noon.</p><p>Advertisement</p><p>Crews met it &amp; cheered.</p>",
            language="en",
        )
    )
    assert article.title == "Ferry & crew return"
    assert article.text == "The ferry returned at noon.\n\nCrews met it & cheered."
    assert article.sentences == ["The ferry returned at noon.", "Crews met it & cheered."]


def test_outlet_suffix_is_stripped_from_title() -> None:
    article = normalize(Article(id="n2", title="Bridge closes - The Valley Herald", outlet="The Valley Herald"))
    assert article.title == "Bridge closes"
    assert article.outlet == "The Valley Herald"


def test_canonical_url_is_set() -> None:
    article = normalize(
        Article(id="n3", title="Tram plant", url="http://www.coastaltimes.example/tram/?utm_source=rss&fbclid=1#c")
    )
    assert article.url == "http://www.coastaltimes.example/tram/?utm_source=rss&fbclid=1#c"  # as given
    assert article.canonical_url == "https://coastaltimes.example/tram"


def test_missing_id_comes_from_canonical_url() -> None:
    one = normalize(Article(id="", title="Tram plant", url="http://www.coastaltimes.example/tram?utm_medium=x"))
    two = normalize(Article(id="", title="Other title", url="https://coastaltimes.example/tram/"))
    expected = "u-" + hashlib.sha1(b"https://coastaltimes.example/tram").hexdigest()[:16]
    assert one.id == two.id == expected


def test_missing_id_without_url_comes_from_content() -> None:
    one = normalize(Article(id="", title="Tram plant", text="Kestrel builds a plant."))
    spaced = normalize(Article(id="", title="  Tram   plant ", text="<p>Kestrel  builds\n a plant.</p>"))
    other = normalize(Article(id="", title="Tram plant", text="Kestrel builds two plants."))
    assert one.id.startswith("h-") and len(one.id) == 18
    assert one.id == spaced.id
    assert one.id != other.id


def test_given_id_is_kept() -> None:
    assert normalize(Article(id="keep-me", title="T", url="https://a.example/x")).id == "keep-me"


def test_same_content_with_other_whitespace_and_case_has_same_hash() -> None:
    a = normalize(Article(id="a", title="Dam opens", text="The Harl Dam opened.\n\nCrowds came."))
    b = normalize(Article(id="b", title="Dam  opens", text="  The Harl   Dam opened.\r\n\r\n\r\nCrowds came.  "))
    c = normalize(Article(id="c", title="Dam opens", text="The Harl Dam closed.\n\nCrowds came."))
    assert a.content_hash == b.content_hash
    assert a.content_hash != c.content_hash
    assert content_hash("Dam opens", "THE HARL DAM OPENED. CROWDS CAME.") == a.content_hash


def test_language_detected_when_missing() -> None:
    english = normalize(
        Article(
            id="en",
            title="Council votes for free student buses",
            text="The city council voted on Tuesday night for free school buses, paid for by higher parking fees.",
        )
    )
    french = normalize(
        Article(
            id="fr",
            title="Le conseil vote la gratuité des bus",
            text="Le conseil municipal a voté mardi soir pour la gratuité des bus scolaires, financée par une "
            "hausse des tarifs de stationnement.",
        )
    )
    assert english.language == "en"
    assert french.language == "fr"


def test_given_language_is_kept() -> None:
    article = normalize(Article(id="x", title="The council voted on Tuesday night", language="de"))
    assert article.language == "de"


def test_too_short_to_tell_language() -> None:
    assert normalize(Article(id="x", title="Ok")).language is None


def test_sentences_are_split() -> None:
    article = normalize(
        Article(
            id="s", title="T", text="Mr. Renn spoke on Jan. 5. The bridge closed.\n\nA new paragraph", language="en"
        )
    )
    assert article.sentences == ["Mr. Renn spoke on Jan. 5.", "The bridge closed.", "A new paragraph"]


def test_dek_repeating_title_or_lead_is_dropped() -> None:
    same = normalize(Article(id="d1", title="Dam opens", dek="Dam  opens", text="The dam opened."))
    lead = normalize(Article(id="d2", title="Dam opens", dek="The dam opened", text="The dam opened today."))
    real = normalize(Article(id="d3", title="Dam opens", dek="<i>Crowds</i> expected", text="The dam opened."))
    assert same.dek is None
    assert lead.dek is None
    assert real.dek == "Crowds expected"


def test_fields_not_touched_by_normalize_are_kept() -> None:
    moment = datetime(2031, 3, 2, tzinfo=UTC)
    article = normalize(Article(id="k", title="T", text="Body.", published=moment, author=" Ada  Rook ", origin="f:1"))
    assert (article.published, article.author, article.origin) == (moment, "Ada Rook", "f:1")


def test_normalize_does_not_change_its_input() -> None:
    raw = Article(id="", title="<b>Bold</b>", text="<p>Body</p>")
    normalize(raw)
    assert (raw.id, raw.title, raw.text) == ("", "<b>Bold</b>", "<p>Body</p>")


def test_markup_only_article_is_empty() -> None:
    with pytest.raises(EmptyArticle):
        normalize(Article(id="e", title="<p> </p>", text="<div><script>x()</script></div>"))


def test_oversized_text_is_refused() -> None:
    with pytest.raises(EmptyArticle, match="over the"):
        normalize(Article(id="big", title="T", text="word " * 300), max_text_chars=1000)


def test_an_article_without_an_outlet_gets_its_site_else_its_file() -> None:
    """Two files without a source field stay two outlets: the site of the URL, else the file's name."""
    text = "The Tarn River flooded the town overnight."
    site = normalize(Article(id="a", title="Flood", text=text, url="https://www.riverbend.example/flood"))
    assert site.outlet == "riverbend.example"
    named = normalize(Article(id="b", title="Flood", text=text, url="https://x.example/", outlet="Riverbend Daily"))
    assert named.outlet == "Riverbend Daily"
    line = normalize(Article(id="c", title="Flood", text=text, origin="/data/desk/wire.jsonl:12"))
    assert line.outlet == "wire.jsonl"
    note = normalize(Article(id="d", title="Flood", text=text, origin="/data/desk/notes.txt"))
    assert note.outlet == "notes.txt"
    entry = normalize(Article(id="e", title="Flood", text=text, origin="https://feeds.example/rss.xml#entry-3"))
    assert entry.outlet == "feeds.example"
    assert normalize(Article(id="f", title="Flood", text=text)).outlet is None
