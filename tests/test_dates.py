from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from newsloom.text.dates import UnreadableDate, parse_date

MOMENT = datetime(2031, 3, 2, 8, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "2031-03-02T08:10:00Z",
        "2031-03-02T08:10:00.250Z",
        "2031-03-02T10:10:00+02:00",
        "2031-03-02 08:10:00 UTC",
        "2031-03-02 08:10:00",
        "Sun, 02 Mar 2031 08:10:00 GMT",
        "Sun, 02 Mar 2031 03:10:00 -0500",
        int(MOMENT.timestamp()),
        float(MOMENT.timestamp()),
        int(MOMENT.timestamp()) * 1000,
        str(int(MOMENT.timestamp())),
        datetime(2031, 3, 2, 8, 10),
    ],
)
def test_known_forms_give_the_same_utc_moment(value: object) -> None:
    parsed = parse_date(value)
    assert parsed == MOMENT
    assert parsed is not None and parsed.tzinfo is UTC


@pytest.mark.parametrize("value", ["2 March 2031", "March 2, 2031", "2 Mar 2031", "2031/03/02"])
def test_date_only_forms_give_midnight_utc(value: str) -> None:
    assert parse_date(value) == datetime(2031, 3, 2, tzinfo=UTC)


def test_empty_values_are_no_date() -> None:
    assert parse_date(None) is None
    assert parse_date("") is None


@pytest.mark.parametrize("value", ["next tuesday", "2031-13-45", True, ["2031-03-02"], 10**20])
def test_garbage_raises_unreadable_date(value: object) -> None:
    with pytest.raises(UnreadableDate):
        parse_date(value)


@pytest.mark.parametrize(
    "value",
    [
        "Mon, 02 Mar 2031 09:10:00 CET",  # zone names RFC 822 does not list are not UTC
        "Mon, 02 Mar 2031 11:10:00 MSK",
        "Mon, 02 Mar 2031 17:10:00 JST",
        "Mon, 02 Mar 2031 09:10:00 +01:00",
        "Sun, 2 Mar 31 08:10:00 GMT",
        "2031-03-02t08:10:00z",
        "2031-03-02T08:10:00.000Z[UTC]",
        "Mar 2, 2031 3:10 AM EST",
        "2 mars 2031 à 08h10",
        "2. März 2031, 08:10 Uhr",
        "2 de marzo de 2031, 08:10 h",
        "2 марта 2031, 08:10",
        "2031年3月2日 08:10",
        "02.03.2031 08:10",
    ],
)
def test_zones_and_languages_give_the_same_utc_moment(value: str) -> None:
    assert parse_date(value) == MOMENT


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2 مارس 2031", datetime(2031, 3, 2, tzinfo=UTC)),
        ("٢ مارس ٢٠٣١", datetime(2031, 3, 2, tzinfo=UTC)),
        ("2 marzo 2031", datetime(2031, 3, 2, tzinfo=UTC)),
        ("02.03.2031", datetime(2031, 3, 2, tzinfo=UTC)),  # dots: the day first
        ("25/12/2030", datetime(2030, 12, 25, tzinfo=UTC)),  # only one order is a date
        ("12/25/2030", datetime(2030, 12, 25, tzinfo=UTC)),
        ("05/05/2031", datetime(2031, 5, 5, tzinfo=UTC)),  # both orders are one date
        ("02-Mar-31", datetime(2031, 3, 2, tzinfo=UTC)),
    ],
)
def test_dates_in_words_and_numbers_give_their_day(value: str, day: datetime) -> None:
    assert parse_date(value) == day


@pytest.mark.parametrize(
    "value",
    [
        "03/04/2031",  # March or April: only the outlet's locale could say
        "02/03/2031 08:10",
        "2 hours ago",  # relative dates have no clock to count from
        "3 часа назад",
        "il y a 3 heures",
        "yesterday",
        "Sunday",
        "March 2031",  # no day
        "2031",
        "1" * 100,
        "N/A",
        "31/02/2031",
        "Mon, 02 Mar 2031 08:10:00 +9999",
    ],
)
def test_relative_ambiguous_and_partial_dates_are_refused(value: str) -> None:
    with pytest.raises(UnreadableDate):
        parse_date(value)


def test_dates_in_words_read_alike_from_many_threads() -> None:
    values = ["2 mars 2031 à 08h10", "2. März 2031, 08:10 Uhr", "2 марта 2031, 08:10", "2 de marzo de 2031, 08:10 h"]
    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(parse_date, values * 20))
    assert set(found) == {MOMENT}
