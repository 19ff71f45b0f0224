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
