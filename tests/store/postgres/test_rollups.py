"""PostgreSQL's daily rollups (store/postgres/rollups.py) answer exactly what events and
visits answer: two stores on one database, one answering from rollups where it can,
the other never, must agree on every query the rollups answer, whatever was rolled up,
written late, deleted or re-zoned in between; and so must a writer and a roller racing.
"""

from __future__ import annotations

import random
import threading
import zoneinfo
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import product
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footfall.domain import Event, Goal, Site
from footfall.stats.query import Condition, StatsQuery
from footfall.store.postgres import PostgresStore
from footfall.store.postgres import rollups as rollups_module
from footfall.store.postgres.rollups import answerable, reads_rollups
from tests.backends import POSTGRES_URL, fresh_postgres

DAY0 = date(2026, 3, 6)  # the US change to summer time (Mar 8) falls in the days drawn
DAYS = 5
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"]
DIMS: list[tuple[str, ...]] = [
    (),
    ("time:day",),
    ("time:week",),
    ("time:month",),
    ("visit:source",),
    ("visit:entry_page",),
    ("visit:exit_page",),
    ("visit:country",),
    ("visit:device",),
    ("visit:utm_campaign",),
    ("event:page",),
]
# Which side answers a metric depends on the others asked with it (builder.sides).
METRICS: list[tuple[str, ...]] = [
    (
        "visitors",
        "visits",
        "pageviews",
        "events",
        "views_per_visit",
        "bounce_rate",
        "visit_duration",
        "percentage",
    ),
    ("events", "visitors", "pageviews", "percentage"),
    ("visits", "bounce_rate"),
]


def person_day(person: int, day: date) -> int:
    """A visitor id as ingest makes one: a new one every UTC day (a hash under the day's
    salt), never the same on two days."""
    return (person * 10_007 + day.toordinal() * 7_919) % (1 << 62)


def events(site_id: int, rng: random.Random) -> list[Event]:
    """People visiting on the days around DAY0, some visits crossing local midnights."""
    out: list[Event] = []
    for person in range(rng.randint(1, 12)):
        at = datetime.combine(DAY0, time(0), UTC) + timedelta(seconds=rng.randrange(DAYS * 86400))
        for _ in range(rng.randint(1, 6)):
            at += rng.choice([timedelta(minutes=2), timedelta(minutes=40)])
            e = Event(
                site_id,
                at,
                rng.choice(["pageview", "pageview", "Signup"]),
                "example.com",
                rng.choice(["/", "/a", "/b", "/blog/x", "/blog/x/y"]),
                person_day(person, at.date()),
                0,
                referrer_source=rng.choice(["", "Google", "GitHub"]),
                utm_campaign=rng.choice(["", "spring"]),
                country=rng.choice(["DE", "US"]),
                device=rng.choice(["Desktop", "Mobile"]),
                interactive=rng.random() < 0.5,
            )
            out.append(e)
    return out


def queries(site: Site) -> Iterator[StatsQuery]:
    """Every shape the rollups answer, over whole local days of the site's zone: the
    days drawn, a part of them, and a range running to today (never rolled up)."""
    zone = zoneinfo.ZoneInfo(site.timezone)
    today = datetime.now(UTC).date()
    spans = [
        (DAY0 + timedelta(days=1), DAY0 + timedelta(days=3)),
        (DAY0 - timedelta(days=1), today + timedelta(days=1)),
    ]
    for (first, last), dims, metrics in product(spans, DIMS, METRICS):
        if dims == ("event:page",) and not {"visits", "bounce_rate"}.isdisjoint(metrics):
            continue
        q = StatsQuery(
            site.domain,
            metrics,
            datetime.combine(first, time(0), zone).astimezone(UTC),
            datetime.combine(last, time(0), zone).astimezone(UTC),
            site.timezone,
            dims,
        )
        assert answerable(q), q
        yield q


SIGNUP = Goal(1, 1, "Signup", "", "Signup")
PRICING = Goal(2, 1, "", "/a", "Visit /a")
# Page goals with wildcards: * within a path segment (/blog/x only), ** across them.
BLOG = Goal(3, 1, "", "/blog/*", "Visit /blog/*")
BLOG_ALL = Goal(4, 1, "", "/blog**", "Visit /blog**")
EVERY_VIEW = Goal(5, 1, "pageview", "", "Any pageview")
GOALS = [SIGNUP, PRICING, BLOG, BLOG_ALL, EVERY_VIEW]
# The dashboard's common filters the rollups hold (a visit attribute's one value, a
# custom event goal, a page goal), with the metrics the dashboard shows under each.
GOAL_METRICS = ("visitors", "events", "conversion_rate")
FILTERS = [
    (Condition("is", "visit:source", ("Google",)), None),
    (Condition("is", "visit:source", ("Direct / None",)), None),
    (Condition("is", "visit:country", ("DE",)), None),
    (Condition("is", "visit:device", ("Mobile",)), None),
    (Condition("is", "visit:utm_campaign", ("spring",)), None),
    (Condition("is", "event:goal", ("Signup",)), GOAL_METRICS),
    (Condition("is", "event:goal", ("Visit /a",)), GOAL_METRICS),
    (Condition("is", "event:goal", ("Visit /blog/*",)), GOAL_METRICS),
    (Condition("is", "event:goal", ("Visit /blog**",)), GOAL_METRICS),
]
# Filters they do not hold: read from events and visits.
UNHELD = [
    Condition("is", "visit:source", ("Google", "GitHub")),
    Condition("contains", "visit:source", ("oo",)),
    Condition("is", "visit:source", ("google",), case_sensitive=False),
    Condition("is", "visit:region", ("BE",)),
    Condition("is", "event:goal", ("Signup", "Visit /a")),
    Condition("is", "event:goal", ("Any pageview",)),
    Condition("is", "event:page", ("/a",)),
]


def filtered(site: Site) -> Iterator[StatsQuery]:
    """Every shape the rollups answer under each filter they hold; conversion rates
    (their baselines unfiltered) under the goal, the group's under a visit dimension."""
    for q in queries(site):
        for f, metrics in FILTERS:
            if metrics is None:
                assert answerable(replace(q, filters=(f,))), (q, f)
                yield replace(q, filters=(f,))
            elif q.metrics == METRICS[1]:
                rate = "group_conversion_rate" if q.dimensions[:1] == ("visit:source",) else ""
                shown = (*metrics, rate) if rate else metrics
                goal = replace(q, metrics=shown, filters=(f,))
                assert answerable(goal, GOALS), goal
                yield goal


def conversions(site: Site) -> Iterator[StatsQuery]:
    """Queries under filters the rollups do not hold: read from events and visits,
    the visitors a conversion rate divides by (the unfiltered baseline) from rollups."""
    for q, f in product(queries(site), UNHELD):
        if q.metrics == METRICS[1] and not any(d.startswith("time") for d in q.dimensions):
            metrics = GOAL_METRICS if f.dimension == "event:goal" else q.metrics
            converted = replace(q, metrics=metrics, filters=(f,))
            assert not answerable(converted, GOALS), converted
            if f.dimension == "event:goal":
                assert reads_rollups(converted, GOALS), converted
            yield converted


def add_site(store: PostgresStore, zone: str) -> Site:
    """A site holding GOALS (the page goals a roll-up holds are the site's)."""
    site = store.add_site("example.com", zone, "u-1")
    for g in GOALS:
        store.add_goal(site.id, g.event_name, g.page_path, g.display_name)
    return site


def agree(
    rolled: PostgresStore, raw: PostgresStore, site: Site, rng: random.Random | None = None
) -> None:
    """The same answers to every unfiltered query (``rng``: to a random dozen of them),
    to four dozen filtered ones the rollups hold and a dozen they do not."""
    picked, under, unheld = list(queries(site)), list(filtered(site)), list(conversions(site))
    draw = rng or random.Random(0)
    asked = [*(draw.sample(picked, 12) if rng else picked), *draw.sample(under, 48)]
    for q in [*asked, *draw.sample(unheld, 12)]:
        assert rolled.answer(q, site, GOALS) == raw.answer(q, site, GOALS), q


def send(store: PostgresStore, evs: list[Event], rng: random.Random) -> None:
    shuffled = rng.sample(evs, len(evs))
    while shuffled:
        size = rng.randint(1, len(shuffled))
        store.write_events(shuffled[:size])
        shuffled = shuffled[size:]


def rolled_rows(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM rollups").fetchone()
    return int(row[0]) if row else 0


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[PostgresStore, PostgresStore, str]]:
    assert POSTGRES_URL, "FOOTFALL_TEST_POSTGRES_URL is not set: run under `make test`"
    url = fresh_postgres(tmp_path)
    rolled, raw = PostgresStore(url), PostgresStore(url, rollups=False)
    yield rolled, raw, url
    rolled.close()
    raw.close()


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_rollups_answer_as_events_do_through_late_writes_deletes_and_zone_changes(
    data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    assert POSTGRES_URL, "FOOTFALL_TEST_POSTGRES_URL is not set: run under `make test`"
    url = fresh_postgres(tmp_path_factory.mktemp("rollups"))
    rolled, raw = PostgresStore(url), PostgresStore(url, rollups=False)
    try:
        zone = data.draw(st.sampled_from(ZONES))
        site = add_site(rolled, zone)
        rng = data.draw(st.randoms(use_true_random=False))
        send(rolled, events(site.id, rng), rng)
        assert rolled.refresh_rollups(limit=2) <= 2  # some days rolled up, some not
        agree(rolled, raw, site, rng)
        rolled.refresh_rollups(limit=100)
        assert rolled.refresh_rollups(limit=100) == 0  # nothing left due
        assert rolled_rows(url) > 0
        agree(rolled, raw, site, rng)
        # Late events for days rolled up: those days are read from events again...
        send(raw, events(site.id, rng), rng)
        agree(rolled, raw, site, rng)
        # ...until rolled up again.
        assert rolled.refresh_rollups(limit=100) > 0
        agree(rolled, raw, site, rng)
        start = datetime.combine(DAY0 + timedelta(days=1), time(7), UTC)
        raw.delete_events(site.id, start, start + timedelta(hours=30))
        agree(rolled, raw, site, rng)
        rolled.refresh_rollups(limit=100)
        agree(rolled, raw, site, rng)
        # A new zone: its local days cut the UTC days elsewhere.
        other = data.draw(st.sampled_from([z for z in ZONES if z != zone]))
        rolled.set_site_timezone(site.id, other)
        moved = Site(site.id, site.domain, other, site.umami_website_id)
        agree(rolled, raw, moved, rng)
        assert rolled.refresh_rollups(limit=100) > 0
        agree(rolled, raw, moved, rng)
    finally:
        rolled.close()
        raw.close()


def test_writers_racing_rollers_lose_nothing(
    pair: tuple[PostgresStore, PostgresStore, str],
) -> None:
    """Two replicas writing late events (to days that ended) while two others roll the
    same days up: once every due day is rolled up, the rollups hold every event."""
    rolled, raw, url = pair
    site = add_site(rolled, "Europe/Berlin")
    evs = events(site.id, random.Random(7))
    stop = threading.Event()

    def roll() -> None:
        while not stop.is_set():
            rolled.refresh_rollups(limit=3)

    def write(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(3):
            send(raw, [moved_copy(e, rng) for e in evs], rng)

    rollers = [threading.Thread(target=roll) for _ in range(2)]
    writers = [threading.Thread(target=write, args=(seed,)) for seed in range(2)]
    for t in rollers + writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in rollers:
        t.join()
    rolled.refresh_rollups(limit=100)
    with psycopg.connect(url) as conn:
        due = conn.execute("SELECT count(*) FROM rollup_days WHERE dirty").fetchone()
    assert due == (0,)
    agree(rolled, raw, site)


def moved_copy(e: Event, rng: random.Random) -> Event:
    """The event moved by a few minutes on its UTC day (its visitor keeps its id)."""
    moved = e.timestamp + timedelta(minutes=rng.randint(-30, 30))
    if moved.date() != e.timestamp.date():
        moved = e.timestamp
    return replace(e, timestamp=moved)


def test_only_ended_days_are_rolled_up(pair: tuple[PostgresStore, PostgresStore, str]) -> None:
    rolled, _, url = pair
    site = rolled.add_site("example.com", "UTC", "u-1")
    now = datetime.now(UTC)
    rolled.write_events(
        [Event(site.id, now - timedelta(minutes=1), "pageview", "example.com", "/", 1, 0)]
    )
    assert rolled.refresh_rollups(limit=100) == 0  # today has not ended
    assert rolled_rows(url) == 0
    # An hour after a day ended (no write of it can still be open), it is due.
    assert rolled.refresh_rollups(limit=100, settle=-timedelta(days=1)) == 1
    assert rolled_rows(url) > 0


def test_queries_rollups_cannot_answer_go_to_events() -> None:
    site = Site(1, "example.com", "Europe/Berlin")
    zone = zoneinfo.ZoneInfo(site.timezone)
    start = datetime.combine(DAY0, time(0), zone).astimezone(UTC)
    q = StatsQuery(site.domain, ("visitors",), start, start + timedelta(days=7), site.timezone)
    assert answerable(q)
    assert not answerable(replace(q, start=start + timedelta(hours=1)))
    assert not answerable(replace(q, metrics=("time_on_page",)))
    assert not answerable(replace(q, dimensions=("event:page",), metrics=("bounce_rate",)))
    assert not answerable(replace(q, dimensions=("visit:os", "time:day")))
    assert rollups_module.utc_days(start, start + timedelta(days=1)) == [
        DAY0 - timedelta(days=1),
        DAY0,
    ]


def test_a_visit_across_a_local_midnight_counts_as_events_and_visits_count_it(
    pair: tuple[PostgresStore, PostgresStore, str],
) -> None:
    """The traps of filtered rows: a visit starting before a local midnight, its goal
    and later pages after it (one UTC day). A range starting at that midnight keeps
    none of its events under a visit filter; a range ending there keeps the visit
    under the goal only if it converted before midnight (here: no)."""
    rolled, raw, _ = pair
    site = rolled.add_site("example.com", "Europe/Berlin", "u-1")  # UTC+1: 23:00 UTC
    day = DAY0 + timedelta(days=1)
    at = datetime.combine(day, time(22, 50), UTC)
    visit = [
        Event(
            site.id,
            at + timedelta(minutes=m),
            name,
            "example.com",
            page,
            5,
            0,
            referrer_source="Google",
            country="DE",
        )
        for m, name, page in [(0, "pageview", "/"), (20, "Signup", "/a"), (25, "pageview", "/b")]
    ]
    rolled.write_events(visit)
    assert rolled.refresh_rollups(limit=100) == 1
    zone = zoneinfo.ZoneInfo(site.timezone)
    midnight = datetime.combine(day + timedelta(days=1), time(0), zone)
    goal = Condition("is", "event:goal", ("Signup",))
    source = Condition("is", "visit:source", ("Google",))
    asked = []
    for (lo, hi), f, dims in product(
        [
            (midnight - timedelta(days=1), midnight),
            (midnight, midnight + timedelta(days=1)),
            (midnight - timedelta(days=1), midnight + timedelta(days=1)),
        ],
        [goal, source],
        DIMS,
    ):
        metrics = GOAL_METRICS if f is goal else ("visitors", "pageviews", "events")
        q = StatsQuery(
            site.domain,
            metrics,
            lo.astimezone(UTC),
            hi.astimezone(UTC),
            site.timezone,
            dims,
            filters=(f,),
        )
        assert answerable(q, GOALS), q
        asked.append(q)
        assert rolled.answer(q, site, GOALS) == raw.answer(q, site, GOALS), q
    before, after = asked[0], asked[len(DIMS) * 3]  # the goal before, the source after
    assert rolled.answer(replace(before, dimensions=("visit:source",)), site, GOALS) == []
    assert rolled.answer(after, site, GOALS) == [(0, 0, 0, 1)]


def test_days_rolled_up_before_filtered_rows_answer_unfiltered_until_rolled_again(
    pair: tuple[PostgresStore, PostgresStore, str],
) -> None:
    """Days a server before migration 11 rolled up (unfiltered rows only, not
    ``filtered``): their unfiltered rows go on answering, filtered questions read them
    from events and visits, and they are due until rolled up again with filtered rows."""
    rolled, raw, url = pair
    site = add_site(rolled, "Europe/Berlin")
    rng = random.Random(11)
    send(rolled, events(site.id, rng), rng)
    rolled.refresh_rollups(limit=100)
    with psycopg.connect(url) as conn:
        conn.execute("DELETE FROM rollups WHERE fdim <> ''")
        conn.execute("UPDATE rollup_days SET filtered = false")
    agree(rolled, raw, site)
    # The events gone behind the rollups' back (nothing marked dirty): what reads the
    # unfiltered rows still sees them, what reads events does not.
    unfiltered = [q for q in queries(site) if q.end < datetime.now(UTC) - timedelta(days=1)]
    before = [raw.answer(q, site, GOALS) for q in unfiltered]
    with psycopg.connect(url) as conn:
        conn.execute("DELETE FROM events WHERE site_id = %s", [site.id])
        conn.execute("DELETE FROM visits WHERE site_id = %s", [site.id])
    assert [rolled.answer(q, site, GOALS) for q in unfiltered] == before
    assert any(raw.answer(q, site, GOALS) != b for q, b in zip(unfiltered, before, strict=True))
    for q in random.Random(1).sample(list(filtered(site)), 24):
        assert rolled.answer(q, site, GOALS) == raw.answer(q, site, GOALS), q
    # Due again, and rolled up with filtered rows (of the events there are now: none).
    assert rolled.refresh_rollups(limit=100) > 0
    assert rolled.refresh_rollups(limit=100) == 0
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT bool_and(filtered) FROM rollup_days").fetchone() == (True,)


def test_each_filter_row_comes_from_one_grouping() -> None:
    """roll_filtered groups the visits once per ``_pairs`` entry and turns each result
    into filter rows as its ``orient`` does: every (filter column, attribute) the
    filtered rows hold comes out exactly once."""
    filters = rollups_module.FILTER_COLUMNS
    made = []
    for c1, c2 in rollups_module._pairs():
        made.append((c1, c2))
        if c2 in filters:
            made.append((c2, c1))
        if c2 == "":
            made.append((c1, c1))
    wanted = [(f, a) for f in filters for a in ["", *rollups_module._COLUMNS]]
    assert sorted(made) == sorted(wanted)


def test_a_page_goal_added_after_a_day_was_rolled_up_reads_events_until_rolled_again(
    pair: tuple[PostgresStore, PostgresStore, str],
) -> None:
    """A day holds the page goals the site had when it was rolled up: a goal added
    later is read from events and visits (still exact), the day is due again, and once
    rolled up again the goal answers from its rows (events deleted behind the rollups'
    back do not change it); a goal removed makes the day due again too."""
    rolled, raw, url = pair
    site = rolled.add_site("example.com", "America/New_York", "u-1")
    rng = random.Random(12)
    send(rolled, events(site.id, rng), rng)
    assert rolled.refresh_rollups(limit=100) > 0
    assert rolled.refresh_rollups(limit=100) == 0
    goal = Condition("is", "event:goal", ("Visit /blog**",))
    asked = [
        replace(q, metrics=GOAL_METRICS, filters=(goal,))
        for q in queries(site)
        if q.metrics == METRICS[1] and q.end < datetime.now(UTC) - timedelta(days=1)
    ]
    assert asked and all(answerable(q, GOALS) for q in asked)
    before = [raw.answer(q, site, GOALS) for q in asked]
    assert [rolled.answer(q, site, GOALS) for q in asked] == before
    rolled.add_goal(site.id, "", BLOG_ALL.page_path, BLOG_ALL.display_name)
    assert [rolled.answer(q, site, GOALS) for q in asked] == before  # raw until rolled
    assert rolled.refresh_rollups(limit=100) > 0
    assert rolled.refresh_rollups(limit=100) == 0
    with psycopg.connect(url) as conn:
        held = conn.execute("SELECT DISTINCT page_goals FROM rollup_days").fetchall()
        rows = conn.execute("SELECT count(*) FROM rollups WHERE fdim = 'page_goal'").fetchone()
        assert held == [(["/blog**"],)] and rows is not None and rows[0] > 0
        conn.execute("DELETE FROM events WHERE site_id = %s", [site.id])
        conn.execute("DELETE FROM visits WHERE site_id = %s", [site.id])
    assert [rolled.answer(q, site, GOALS) for q in asked] == before  # from its rows
    assert [raw.answer(q, site, GOALS) for q in asked] != before
    rolled.remove_goal(site.id, BLOG_ALL.display_name)
    assert rolled.refresh_rollups(limit=100) > 0
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT DISTINCT page_goals FROM rollup_days").fetchall() == [([],)]
