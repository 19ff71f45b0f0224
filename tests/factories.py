"""A generator of fictional news streams for tests: varied articles about invented events from a small vocabulary.

Every outlet, place, person and event here is made up. The same seed always gives the same stream.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from newsloom.model import Article
from newsloom.normalize import normalize
from newsloom.syndication import SyndicationIndex

_SYLLABLES = "ka lo mi ra ten vor sel dun bra qui mar fen tal os rin gol hev zan pel dor lu ven cas tor".split()
OUTLETS = [
    "Meridian Wire",
    "The Valley Herald",
    "Coastal Times",
    "Northgate Post",
    "Riverbend Daily",
    "Eastbrook Tribune",
    "Pinecrest Gazette",
    "The Summit Observer",
]
_KINDS = {
    "fire": ("fire", "blaze", "firefighters", "smoke", "warehouse", "crews"),
    "flood": ("flood", "river", "rain", "evacuated", "homes", "water"),
    "vote": ("council", "vote", "budget", "members", "motion", "parking"),
    "plant": ("factory", "jobs", "investment", "plant", "workers", "production"),
    "match": ("final", "goal", "cup", "supporters", "coach", "stadium"),
    "strike": ("strike", "union", "wages", "drivers", "talks", "depot"),
}
_TEMPLATES = [
    "The {w0} on {street} in {place} began on {weekday}, and {n1} {w2} were affected.",
    "{person} of the {group} said the {w3} near {street} would be reviewed within {n2} days.",
    "The {place} {w0} drew {w4} to {street}, and {n1} {w2} were counted by evening.",
    "{place} residents called the {w0} the worst in {n3} years, {person} of the {group} said.",
    "{person} said the {w5} at {street} in {place} would stay until {weekday}.",
    "The {group} in {place} called for an inquiry into the {w1} and the {w3} on {street}.",
    "By {weekday} evening the {w4} had left {street}, and {person} thanked the {w5} of {place}.",
    "The {group} put the cost of the {place} {w0} at {n4} thousand, {person} told reporters.",
]
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def invented_name(rng: random.Random, parts: int = 2) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(parts)).capitalize()


@dataclass
class Event:
    label: str
    kind: str
    place: str
    person: str
    street: str
    group: str
    numbers: tuple[int, int, int, int]
    start: datetime


def _sentences(event: Event, rng: random.Random, count: int) -> list[str]:
    w = _KINDS[event.kind]
    n1, n2, n3, n4 = event.numbers
    values = {
        "place": event.place,
        "person": event.person,
        "street": event.street,
        "group": event.group,
        "weekday": _WEEKDAYS[event.start.weekday()],
        "n1": n1,
        "n2": n2,
        "n3": n3,
        "n4": n4,
        **{f"w{i}": word for i, word in enumerate(w)},
    }
    chosen = rng.sample(_TEMPLATES, count)
    return [template.format(**values) for template in chosen]


def make_stream(
    events: int, seed: int = 7, max_articles: int = 5, start: datetime | None = None
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Article records (the JSON lines contract) in publication order, and the true event label of each id."""
    rng = random.Random(seed)
    start = start or datetime(2031, 1, 5, 6, 0, tzinfo=UTC)
    records: list[dict[str, Any]] = []
    gold: dict[str, str] = {}
    for number in range(events):
        event = Event(
            label=f"event-{number}",
            kind=rng.choice(sorted(_KINDS)),
            place=invented_name(rng, 3),
            person=f"{invented_name(rng)} {invented_name(rng, 3)}",
            street=f"{invented_name(rng, 2)} Street",
            group=f"{invented_name(rng, 3)} Authority",
            numbers=(rng.randint(20, 900), rng.randint(2, 19), rng.randint(21, 99), rng.randint(100, 999)),
            start=start + timedelta(hours=number * 3),
        )
        wire_text: str | None = None
        for index in range(rng.randint(1, max_articles)):
            outlet = OUTLETS[(number + index) % len(OUTLETS)]
            if wire_text is not None and rng.random() < 0.3:
                text = wire_text  # a reprint of the first article's copy
            else:
                text = "\n\n".join(_sentences(event, rng, rng.randint(3, 6)))
                wire_text = wire_text or text
            article_id = f"syn-{number}-{index}"
            records.append(
                {
                    "id": article_id,
                    "title": f"{event.place} {_KINDS[event.kind][0]}: {event.group} on {event.street}",
                    "text": text,
                    "url": f"https://{outlet.lower().replace(' ', '')}.example/{number}/{index}",
                    "source": outlet,
                    "published": (event.start + timedelta(minutes=20 * index)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "language": "en",
                }
            )
            gold[article_id] = event.label
    records.sort(key=lambda r: (r["published"], r["id"]))
    return records, gold


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


# -- hand-written fictional articles ---------------------------------------------------------------------------
FERRY_WIRE_PARAGRAPHS = [
    "LORRAN, May 12 (Meridian Wire) — The passenger ferry Maren Star caught fire off the port of Lorran on Tuesday "
    "morning with 212 people on board, forcing the crew to turn back to the harbour under escort by two coastguard "
    "boats.",
    "The fire started in the engine room shortly after the ferry left the Lorran terminal on its daily crossing to "
    "the island of Skellan, the Brisk Sound Ferry Company said in a statement.",
    "Harbour officials said 14 passengers were taken to Lorran General Hospital with smoke inhalation. None of the "
    "injuries was thought to be serious.",
    '"The crew did exactly what they were trained to do," said harbour master Ilse Brandvik. "Everyone was off the '
    'ship within forty minutes of docking."',
    "Firefighters from the Lorran fire service boarded the ferry at the quay and had the blaze out by late morning. "
    "The cause of the fire is under investigation.",
    "The Maren Star, built in 1998, carries up to 400 passengers and 90 cars. Brisk Sound cancelled the rest of "
    "Tuesday's crossings to Skellan and said a chartered vessel would run a replacement service from Wednesday.",
]

FERRY_A_TEXT = (
    "Passengers on the Maren Star described thick smoke filling the upper lounge on Tuesday as the ferry turned "
    "back to Lorran after a fire broke out in its engine room.\n\n"
    "Harbour officials said 14 passengers were taken to Lorran General Hospital with smoke inhalation.\n\n"
    "Skellan islanders who rely on the crossing for work and school were left without a ferry for the day after "
    "Brisk Sound cancelled its remaining sailings.\n\n"
    "Greta Oddny, who was travelling to Skellan with her two children, said the crew handed out life jackets and "
    "kept everyone calm on the open deck."
)

FERRY_B_TEXT = (
    "An engine-room fire on the Maren Star sent smoke through the Skellan ferry on Tuesday and forced it back to "
    "Lorran harbour, where fire crews were waiting on the quay.\n\n"
    "Harbour officials said 19 passengers were taken to Lorran General Hospital with smoke inhalation.\n\n"
    "The Brisk Sound Ferry Company has faced complaints from island councillors about the age of its fleet, and "
    "councillor Anders Hoel said Tuesday's fire should prompt a full review of the company's vessels."
)

ORCHESTRA_TEXT = (
    "The Corvell Philharmonic named the violinist Anouk Raszek as its new music director on Friday, the first "
    "soloist to lead the orchestra in its ninety-year history.\n\n"
    "Raszek, who has performed with the orchestra as a guest for a decade, will take up the post next season and "
    "conduct eight programmes, including a cycle of symphonies by the composer Teodor Malisz.\n\n"
    "The orchestra's board said the appointment followed a two-year search."
)


def ferry_articles() -> list[Article]:
    """One event (a ferry fire) told by a wire, a reprint of the wire, and two independent outlets.

    The wire, its reprint and outlet A say 14 people were hurt; outlet B says 19.
    """
    wire_text = "\n\n".join(FERRY_WIRE_PARAGRAPHS)
    reprint_text = "\n\n".join(
        ["This story was supplied by Meridian Wire.", *FERRY_WIRE_PARAGRAPHS[:-1]]
    )  # a line added on top, the last paragraph dropped
    return [
        Article(
            id="ferry-wire",
            title="Ferry with 212 aboard turns back to Lorran after engine-room fire",
            text=wire_text,
            url="https://meridianwire.example/2031/05/12/ferry-fire",
            outlet="Meridian Wire",
            published=datetime(2031, 5, 12, 9, 0, tzinfo=UTC),
            language="en",
        ),
        Article(
            id="ferry-valley",
            title="Maren Star fire: ferry escorted back to port",
            text=reprint_text,
            url="https://valleyherald.example/2031/05/12/maren-star-fire",
            outlet="The Valley Herald",
            published=datetime(2031, 5, 12, 10, 15, tzinfo=UTC),
            language="en",
        ),
        Article(
            id="ferry-coastal",
            title="Smoke, life jackets and a long wait: passengers recall Maren Star fire",
            text=FERRY_A_TEXT,
            url="https://coastaltimes.example/2031/05/12/maren-star-passengers",
            outlet="Coastal Times",
            published=datetime(2031, 5, 12, 12, 30, tzinfo=UTC),
            language="en",
        ),
        Article(
            id="ferry-northgate",
            title="Maren Star fire renews questions about Brisk Sound's ageing fleet",
            text=FERRY_B_TEXT,
            url="https://northgatepost.example/2031/05/12/brisk-sound-fleet",
            outlet="Northgate Post",
            published=datetime(2031, 5, 12, 15, 0, tzinfo=UTC),
            language="en",
        ),
    ]


def orchestra_article(published: datetime | None = None) -> Article:
    return Article(
        id="orchestra-1",
        title="Corvell Philharmonic names Anouk Raszek music director",
        text=ORCHESTRA_TEXT,
        url="https://summitobserver.example/2031/05/12/corvell-philharmonic",
        outlet="The Summit Observer",
        published=published or datetime(2031, 5, 12, 16, 0, tzinfo=UTC),
        language="en",
    )


def prepared(articles: list[Article]) -> list[Article]:
    """Normalized articles with their syndication groups, as the writer receives them."""
    index = SyndicationIndex()
    out = [normalize(a) for a in articles]
    for article in out:
        index.assign(article)
    return out


def records(articles: list[Article]) -> list[dict[str, object]]:
    """Articles as lines of the JSON article contract."""
    return [
        {
            "id": a.id,
            "title": a.title,
            "text": a.text,
            "url": a.url,
            "source": a.outlet,
            "published": a.published.strftime("%Y-%m-%dT%H:%M:%SZ") if a.published else None,
        }
        for a in articles
    ]
