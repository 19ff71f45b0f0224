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
