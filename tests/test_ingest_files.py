import json
from datetime import UTC, datetime
from pathlib import Path

from newsloom.ingest.files import find_files, read_file, read_paths
from newsloom.model import Article, Rejected


def articles_of(items: list[Article | Rejected]) -> list[Article]:
    return [item for item in items if isinstance(item, Article)]


def rejections_of(items: list[Article | Rejected]) -> list[Rejected]:
    return [item for item in items if isinstance(item, Rejected)]


# -- .txt -------------------------------------------------------------------------------------------------------
def test_txt_first_line_is_title_short_line_under_it_is_dek(tmp_path: Path) -> None:
    path = tmp_path / "ferry.txt"
    path.write_text(
        "\n\nFerry turns back after engine fire\n"
        "Passengers evacuated safely at Lorran\n"
        "\n"
        "The Maren Star caught fire on Tuesday.\n\nFourteen people were treated.\n",
        encoding="utf-8",
    )
    [article] = list(read_file(path))
    assert isinstance(article, Article)
    assert article.title == "Ferry turns back after engine fire"
    assert article.dek == "Passengers evacuated safely at Lorran"
    assert article.text == "The Maren Star caught fire on Tuesday.\n\nFourteen people were treated."
    assert article.origin == str(path)


def test_txt_without_blank_line_after_second_line_has_no_dek(tmp_path: Path) -> None:
    path = tmp_path / "ferry.txt"
    path.write_text(
        "Ferry turns back after engine fire\nThe Maren Star caught fire.\nFourteen were treated.\nCrews met it.\n",
        encoding="utf-8",
    )
    [article] = list(read_file(path))
    assert isinstance(article, Article)
    assert article.dek is None
    assert article.text == "The Maren Star caught fire.\nFourteen were treated.\nCrews met it."


def test_txt_with_blank_line_under_title_has_no_dek(tmp_path: Path) -> None:
    path = tmp_path / "ferry.txt"
    path.write_text("Ferry turns back\n\nThe Maren Star caught fire.\n\nCrews met it.\n", encoding="utf-8")
    [article] = list(read_file(path))
    assert isinstance(article, Article)
    assert article.dek is None
    assert article.text == "The Maren Star caught fire.\n\nCrews met it."


def test_txt_long_second_line_is_body_not_dek(tmp_path: Path) -> None:
    long_line = " ".join(["word"] * 45) + "."
    path = tmp_path / "long.txt"
    path.write_text(f"Title here\n{long_line}\n\nMore body.\n", encoding="utf-8")
    [article] = list(read_file(path))
    assert isinstance(article, Article)
    assert article.dek is None
    assert article.text.startswith(long_line)


def test_txt_title_only(tmp_path: Path) -> None:
    path = tmp_path / "title.txt"
    path.write_text("Only a headline\n", encoding="utf-8")
    [article] = list(read_file(path))
    assert isinstance(article, Article)
    assert (article.title, article.text, article.dek) == ("Only a headline", "", None)


# -- .json ------------------------------------------------------------------------------------------------------
def test_json_one_article(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"id": "j1", "title": "Dam opens", "text": "The Harl Dam opened."}), encoding="utf-8")
    [article] = list(read_file(path))
    assert isinstance(article, Article)
    assert (article.id, article.title, article.text, article.origin) == (
        "j1",
        "Dam opens",
        "The Harl Dam opened.",
        str(path),
    )


def test_json_list_of_articles_keeps_order_and_index_origins(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text(json.dumps([{"id": "a", "title": "A"}, {"id": "b", "text": "B body"}]), encoding="utf-8")
    items = list(read_file(path))
    assert [(a.id, a.origin) for a in articles_of(items)] == [("a", f"{path}[0]"), ("b", f"{path}[1]")]


def test_json_articles_envelope_newsapi_style(tmp_path: Path) -> None:
    path = tmp_path / "newsapi.json"
    path.write_text(
        json.dumps(
            {
                "status": "ok",
                "articles": [
                    {
                        "source": {"id": None, "name": "Coastal Times"},
                        "title": "Tram plant approved",
                        "content": "The plant was approved.",
                        "publishedAt": "2031-03-04T09:00:00Z",
                        "url": "https://coastaltimes.example/tram",
                    },
                    {"title": "Second", "description": "Only a summary here."},
                ],
            }
        ),
        encoding="utf-8",
    )
    first, second = articles_of(list(read_file(path)))
    assert first.outlet == "Coastal Times"
    assert first.text == "The plant was approved."
    assert first.published == datetime(2031, 3, 4, 9, 0, tzinfo=UTC)
    # An entry with only a summary: the summary is the text.
    assert (second.text, second.dek) == ("Only a summary here.", None)


def test_json_news_please_keys(tmp_path: Path) -> None:
    path = tmp_path / "np.json"
    path.write_text(
        json.dumps(
            {
                "title": "Council votes for free buses",
                "maintext": "Northgate council voted 9-4 on Tuesday.",
                "date_publish": "2031-03-05 18:20:00",
                "source_domain": "northgatepost.example",
                "url": "https://northgatepost.example/buses",
                "description": "Parking fees will pay for it.",
                "authors": ["Ada Rook", "Ben Tully"],
                "language": "EN",
            }
        ),
        encoding="utf-8",
    )
    [article] = list(read_file(path))
    assert isinstance(article, Article)
    assert article.title == "Council votes for free buses"
    assert article.text == "Northgate council voted 9-4 on Tuesday."
    assert article.published == datetime(2031, 3, 5, 18, 20, tzinfo=UTC)
    assert article.outlet == "northgatepost.example"
    assert article.url == "https://northgatepost.example/buses"
    assert article.dek == "Parking fees will pay for it."
    assert article.author == "Ada Rook, Ben Tully"
    assert article.language == "en"


def test_invalid_json_file_is_rejected_with_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"id": "x",\n "title": oops}', encoding="utf-8")
    [item] = list(read_file(path))
    assert isinstance(item, Rejected)
    assert item.origin == f"{path}:2"
    assert "column" in item.reason


def test_json_field_of_wrong_type_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "typed.json"
    path.write_text(
        json.dumps([{"id": "x", "title": {"nested": True}}, {"id": "y", "title": "Fine"}]), encoding="utf-8"
    )
    items = list(read_file(path))
    [rejected] = rejections_of(items)
    assert rejected.origin == f"{path}[0]"
    assert "title" in rejected.reason
    assert [a.id for a in articles_of(items)] == ["y"]


# -- .jsonl -----------------------------------------------------------------------------------------------------
def test_jsonl_bad_line_is_rejected_with_its_line_and_column_and_the_rest_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "stream.jsonl"
    path.write_text(
        '{"id": "a1", "title": "First", "text": "Body one."}\n'
        '{"id": "a2", "title": "Second" "text": "missing comma"}\n'
        "\n"
        '{"id": "a3", "text": "Body three."}\n'
        '{"id": "a4", "source": "Nobody"}\n'
        "[1, 2]\n",
        encoding="utf-8",
    )
    items = list(read_file(path))
    assert [a.id for a in articles_of(items)] == ["a1", "a3"]
    bad_json, empty, not_object = rejections_of(items)
    assert bad_json.origin == f"{path}:2"
    assert "column 32" in bad_json.reason
    assert bad_json.raw.startswith('{"id": "a2"')
    assert empty.origin == f"{path}:5"
    assert "title" in empty.reason and "text" in empty.reason
    assert not_object.origin == f"{path}:6"
    assert "object" in not_object.reason


def test_jsonl_line_origins_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "s.ndjson"
    path.write_text('{"id": "a", "title": "A"}\n\n{"id": "b", "title": "B"}\n', encoding="utf-8")
    assert [a.origin for a in articles_of(list(read_file(path)))] == [f"{path}:1", f"{path}:3"]


def test_record_with_empty_title_and_text_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "blank.jsonl"
    path.write_text('{"id": "a", "title": "   ", "text": ""}\n', encoding="utf-8")
    [item] = list(read_file(path))
    assert isinstance(item, Rejected)
    assert item.origin == f"{path}:1"


def test_non_utf8_bytes_are_read_as_cp1252(tmp_path: Path) -> None:
    jsonl = tmp_path / "latin.jsonl"
    jsonl.write_bytes(
        b'{"id": "c1", "title": "Caf\xe9 reopens", "text": "The caf\xe9 \x96 closed in May \x96 reopens."}\n'
    )
    [article] = list(read_file(jsonl))
    assert isinstance(article, Article)
    assert article.title == "Caf\u00e9 reopens"
    assert article.text == "The caf\u00e9 \u2013 closed in May \u2013 reopens."

    txt = tmp_path / "latin.txt"
    txt.write_bytes("Na\u00efve caf\u00e9 owner wins award\n\nThe owner said \u201cthanks\u201d.\n".encode("cp1252"))
    [article] = list(read_file(txt))
    assert isinstance(article, Article)
    assert article.title == "Na\u00efve caf\u00e9 owner wins award"
    assert article.text == "The owner said \u201cthanks\u201d."


def test_utf8_bom_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes("\ufeff".encode() + json.dumps({"id": "b1", "title": "Hello"}).encode())
    [article] = list(read_file(path))
    assert isinstance(article, Article)
    assert article.id == "b1"


def test_unreadable_date_keeps_the_article_without_a_time(tmp_path: Path) -> None:
    path = tmp_path / "dates.jsonl"
    path.write_text(
        '{"id": "d1", "title": "Undated", "published": "sometime last spring"}\n'
        '{"id": "d2", "title": "Dated", "published": "2031-03-02T08:10:00Z"}\n',
        encoding="utf-8",
    )
    undated, dated = list(read_file(path))
    assert isinstance(undated, Article) and isinstance(dated, Article)
    assert undated.published is None
    assert dated.published == datetime(2031, 3, 2, 8, 10, tzinfo=UTC)


# -- .csv -------------------------------------------------------------------------------------------------------
def test_csv_with_header(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_text(
        "id,headline,body,outlet,published,url\n"
        'c1,Tram plant approved,"Kestrel will build it, officials said.",Coastal Times,2031-03-04T09:00:00Z,'
        "https://coastaltimes.example/tram\n"
        'c2,"Second, with comma","Line one.\n\nLine two.",Northgate Post,,\n',
        encoding="utf-8",
    )
    first, second = list(read_file(path))
    assert isinstance(first, Article) and isinstance(second, Article)
    assert (first.id, first.title, first.text, first.outlet) == (
        "c1",
        "Tram plant approved",
        "Kestrel will build it, officials said.",
        "Coastal Times",
    )
    assert first.published == datetime(2031, 3, 4, 9, 0, tzinfo=UTC)
    assert first.origin == f"{path}:2"
    assert (second.title, second.text, second.published, second.url) == (
        "Second, with comma",
        "Line one.\n\nLine two.",
        None,
        None,
    )


def test_csv_row_with_too_many_values_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("id,title,text\nw1,Fine,Body.\nw2,Too,many,values,here\nw3,Also fine,Body.\n", encoding="utf-8")
    items = list(read_file(path))
    assert [a.id for a in articles_of(items)] == ["w1", "w3"]
    [rejected] = rejections_of(items)
    assert rejected.origin == f"{path}:3"
    assert "more values" in rejected.reason and "3" in rejected.reason


# -- empty files ------------------------------------------------------------------------------------------------
def test_empty_files(tmp_path: Path) -> None:
    for suffix in (".txt", ".csv", ".json", ".jsonl"):
        (tmp_path / f"empty{suffix}").write_bytes(b"")
    [txt] = list(read_file(tmp_path / "empty.txt"))
    assert isinstance(txt, Rejected) and "empty text file" in txt.reason
    [csv] = list(read_file(tmp_path / "empty.csv"))
    assert isinstance(csv, Rejected) and "empty CSV" in csv.reason
    [json_file] = list(read_file(tmp_path / "empty.json"))
    assert isinstance(json_file, Rejected) and "invalid JSON" in json_file.reason
    assert list(read_file(tmp_path / "empty.jsonl")) == []


def test_whitespace_only_text_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text("\n   \n\n", encoding="utf-8")
    [item] = list(read_file(path))
    assert isinstance(item, Rejected)
    assert item.origin == str(path)


# -- folders ----------------------------------------------------------------------------------------------------
def test_folders_are_read_recursively_skipping_hidden_and_unsupported(tmp_path: Path) -> None:
    root = tmp_path / "inbox"
    (root / "2031" / "march").mkdir(parents=True)
    (root / ".cache").mkdir()
    (root / "a.jsonl").write_text('{"id": "top", "title": "Top"}\n', encoding="utf-8")
    (root / "2031" / "march" / "b.txt").write_text("Nested title\n\nNested body.\n", encoding="utf-8")
    (root / "2031" / "c.CSV").write_text("id,title\ncsv1,From CSV\n", encoding="utf-8")
    (root / ".cache" / "hidden.jsonl").write_text('{"id": "hidden-dir", "title": "No"}\n', encoding="utf-8")
    (root / ".hidden.jsonl").write_text('{"id": "hidden-file", "title": "No"}\n', encoding="utf-8")
    (root / "notes.md").write_text("# not an article source\n", encoding="utf-8")
    (root / "photo.png").write_bytes(b"\x89PNG\r\n")

    files, refused = find_files([root])
    assert refused == []
    assert [f.relative_to(root).as_posix() for f in files] == ["2031/c.CSV", "2031/march/b.txt", "a.jsonl"]
    items = list(read_paths([root]))
    assert sorted(a.title for a in articles_of(items)) == ["From CSV", "Nested title", "Top"]
    assert rejections_of(items) == []


def test_named_unsupported_or_missing_file_is_rejected(tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# notes\n", encoding="utf-8")
    good = tmp_path / "good.jsonl"
    good.write_text('{"id": "g", "title": "Good"}\n', encoding="utf-8")
    items = list(read_paths([notes, tmp_path / "missing.jsonl", good]))
    unsupported, missing = rejections_of(items)
    assert unsupported.origin == str(notes)
    assert "unsupported file type '.md'" in unsupported.reason
    assert ".jsonl" in unsupported.reason  # says what would work
    assert missing.origin == str(tmp_path / "missing.jsonl")
    assert "no such file" in missing.reason
    assert [a.id for a in articles_of(items)] == ["g"]


def test_read_file_takes_a_path_as_a_string_too(tmp_path: Path) -> None:
    path = tmp_path / "ferry.jsonl"
    path.write_text(json.dumps({"id": "f1", "title": "Ferry fire", "text": "The Maren Star caught fire."}) + "\n")
    [article] = list(read_file(str(path)))
    assert isinstance(article, Article) and article.title == "Ferry fire"
