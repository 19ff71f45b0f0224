import pytest

from newsloom.text.urls import canonical_url, safe_link


def test_tracking_parameters_fragment_and_www_are_dropped_and_https_used() -> None:
    assert (
        canonical_url("http://www.Valleyherald.example/2031/05/ferry/?utm_source=feed&id=3&fbclid=xyz#comments")
        == "https://valleyherald.example/2031/05/ferry?id=3"
    )


def test_spellings_of_one_page_share_a_canonical_url() -> None:
    spellings = [
        "https://coastaltimes.example/news/ferry-fire",
        "http://coastaltimes.example/news/ferry-fire",
        "https://www.coastaltimes.example/news/ferry-fire/",
        "https://COASTALTIMES.example:443/news/ferry-fire#top",
        "https://coastaltimes.example/news/ferry-fire?utm_medium=social&gclid=1",
    ]
    assert {canonical_url(url) for url in spellings} == {"https://coastaltimes.example/news/ferry-fire"}


def test_query_is_sorted_and_meaningful_parameters_kept() -> None:
    assert canonical_url("https://a.example/p?b=2&a=1") == "https://a.example/p?a=1&b=2"
    assert canonical_url("https://a.example/p?page=2") != canonical_url("https://a.example/p?page=3")


def test_non_default_port_is_kept() -> None:
    assert canonical_url("http://a.example:8080/x") == "https://a.example:8080/x"


def test_empty_path_becomes_root() -> None:
    assert canonical_url("https://a.example") == "https://a.example/"


@pytest.mark.parametrize(
    "url", [None, "", "javascript:alert(1)", "ftp://a.example/x", "not a url", "mailto:x@a.example"]
)
def test_non_web_urls_have_no_canonical_form(url: str | None) -> None:
    assert canonical_url(url) is None


def test_an_unreadable_port_has_no_canonical_form() -> None:
    assert canonical_url("https://a.example:99999/x") is None
    assert canonical_url("https://a.example:http/x") is None


def test_a_page_whose_link_is_not_shown_still_has_a_canonical_form() -> None:
    # Some archives escape the query mark ("\\?"): no page shows that link, but it still names one page, as before.
    url = "http://www.latimes.example/business/fed-20140310,0,1312750.story\\?track=rss"
    assert safe_link(url) is None
    assert canonical_url(url) == "https://latimes.example/business/fed-20140310,0,1312750.story\\?track=rss"


@pytest.mark.parametrize(
    "url", ["https://a.example/news/ferry?id=3#top", "HTTP://A.example/x", "https://a.example:8080/\u00e9t\u00e9"]
)
def test_a_web_link_is_safe_as_written(url: str) -> None:
    assert safe_link(url) == url


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://a.example/x",
        "//a.example/x",
        "https://",
        "https://user:secret@a.example/x",
        "https://bank.example@evil.example/login",
        'https://a.example/x"onmouseover="alert(1)',
        "https://a.example/x'y",
        "https://a.example/<script>",
        "https://a.example/x y",
        " https://a.example/x",
        "https://a.example/x\n",
        "https://a.example\\@evil.example/",
        "https://a.example:99999/x",
    ],
)
def test_a_link_that_could_mislead_or_run_is_not_safe(url: str | None) -> None:
    assert safe_link(url) is None


@pytest.mark.parametrize(
    ("rendering", "article"),
    [
        # AMP and mobile renderings of one article
        ("https://coastaltimes.example/news/pier-collapse/amp", "https://coastaltimes.example/news/pier-collapse"),
        ("https://coastaltimes.example/amp/news/pier-collapse", "https://coastaltimes.example/news/pier-collapse"),
        ("https://dailyledger.example/2025/06/rates.amp.html", "https://dailyledger.example/2025/06/rates.html"),
        ("https://northgate-post.example/local/vote?amp=1", "https://northgate-post.example/local/vote"),
        ("https://amp.lakeshorecourier.example/news/ore-strike", "https://lakeshorecourier.example/news/ore-strike"),
        ("https://m.meridianwire.example/world/dam-4471", "https://meridianwire.example/world/dam-4471"),
        ("https://mobile.meridianwire.example/world/dam-4471", "https://meridianwire.example/world/dam-4471"),
        # trackers newsloom did not know, and families of them
        ("https://lequotidien.example/vote_612.html?xtor=RSS-3208", "https://lequotidien.example/vote_612.html"),
        (
            "https://lakeshorecourier.example/news/strike?CMP=share_btn_tw",
            "https://lakeshorecourier.example/news/strike",
        ),
        ("https://coastaltimes.example/pier?ns_mchannel=social&ns_source=tw", "https://coastaltimes.example/pier"),
        ("https://abendbote.example/wahl.html?ito=792&itm_source=parsely", "https://abendbote.example/wahl.html"),
        (
            "https://dailyledger.example/rates.html?_ga=2.1234.5678&mtm_campaign=x",
            "https://dailyledger.example/rates.html",
        ),
        (
            "https://dailyledger.example/rates.html?id=7&amp;ns_campaign=1490",
            "https://dailyledger.example/rates.html?id=7",
        ),
        # session ids, index pages, dot segments, doubled slashes, a trailing dot
        ("https://kestrel-gazette.example/story;jsessionid=0A1B2C", "https://kestrel-gazette.example/story"),
        ("https://kestrel-gazette.example/s.php?id=45&PHPSESSID=9f8e", "https://kestrel-gazette.example/s.php?id=45"),
        ("https://greyhaven-echo.example/news/harbour/index.html", "https://greyhaven-echo.example/news/harbour"),
        ("https://greyhaven-echo.example/index.php?p=42", "https://greyhaven-echo.example/?p=42"),
        ("https://valleyherald.example/2025/06/../05/./ferry", "https://valleyherald.example/2025/05/ferry"),
        ("https://valleyherald.example/2025//05/ferry", "https://valleyherald.example/2025/05/ferry"),
        ("https://valleyherald.example./2025/05/ferry", "https://valleyherald.example/2025/05/ferry"),
        # one spelling of escapes and of hosts in other scripts
        ("https://lequotidien.example/caf%c3%a9", "https://lequotidien.example/caf%C3%A9"),
        ("https://lequotidien.example/café", "https://lequotidien.example/caf%C3%A9"),
        ("https://lequotidien.example/%7Eeditor", "https://lequotidien.example/~editor"),
        ("https://MÜNCHNER-BOTE.example/lokales", "https://xn--mnchner-bote-dlb.example/lokales"),
    ],
)
def test_renderings_and_spellings_of_one_article_share_its_canonical_url(rendering: str, article: str) -> None:
    assert canonical_url(rendering) == article
    assert canonical_url(article) == article


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("https://lequotidien.example/a%2Fb", "https://lequotidien.example/a/b"),  # an escaped slash is no slash
        ("https://tarnweekly.example/#!/story/2231", "https://tarnweekly.example/#!/story/2232"),  # hash-bang pages
        ("https://tarnweekly.example/#!/story/2231", "https://tarnweekly.example/"),
        ("https://sport.meridianwire.example/cup-final", "https://meridianwire.example/cup-final"),  # a section host
        ("https://m.example/news/1", "https://example/news/1"),  # no site is left once "m." goes
        ("https://www2.valleyherald.example/ferry", "https://valleyherald.example/ferry"),
        ("https://halvik-news.example/view?storyId=55&page=2", "https://halvik-news.example/view?storyId=55&page=3"),
        ("https://dunmere-daily.example/item?cid=8812", "https://dunmere-daily.example/item?cid=8813"),
        ("https://dunmere-daily.example/gallery?gallery=2", "https://dunmere-daily.example/gallery?gallery=3"),
        ("https://lakeshorecourier.example/news/ore-strike/amp", "https://lakeshorecourier.example/news/ore-vote/amp"),
        ("https://lakeshorecourier.example/amp", "https://lakeshorecourier.example/"),  # a page named amp is a page
    ],
)
def test_addresses_of_two_articles_keep_two_canonical_urls(one: str, other: str) -> None:
    assert canonical_url(one) != canonical_url(other)


def test_a_hash_bang_page_keeps_its_fragment() -> None:
    assert canonical_url("http://www.tarnweekly.example/#!/story/2231") == "https://tarnweekly.example/#!/story/2231"


def test_a_host_the_idna_codec_refuses_is_kept_as_written() -> None:
    host = "ü" + "a" * 70 + ".example"  # a label over 63 characters has no punycode
    assert canonical_url(f"https://{host}/x") == f"https://{host}/x"
