"""The generator and the oracle, checked on traffic small enough to count by hand."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction

import pytest

from footfall.ingest.enrich.bots import BotDetector
from footfall.ingest.enrich.referrer import parse_referrer, source_name
from tests.conformance import oracle as oracle_module
from tests.conformance.cases import CASES, DAYS, SEED
from tests.conformance.oracle import KNOWN_REFERRERS, oracle, visits_of
from tests.conformance.traffic import (
    BOT_UAS,
    BROWSER_UAS,
    DEFAULT_SITE,
    RawEvent,
    Traffic,
    generate,
)

D = date(2026, 3, 2)
SITE = f"https://{DEFAULT_SITE}"
A = ("81.2.0.1", BROWSER_UAS[0])
B = ("81.2.0.2", BROWSER_UAS[1])
C = ("81.2.0.1", BROWSER_UAS[3])  # A's IP, another browser: another visitor
ALL = ["visitors", "visits", "pageviews", "events", "bounce_rate", "visit_duration"]


def at(clock: str, day: date = D) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), UTC)


def ev(
    ts: datetime,
    who: tuple[str, str],
    path: str = "/",
    *,
    name: str = "pageview",
    referrer: str = "",
    query: str = "",
    props: dict[str, str] | None = None,
    interactive: bool = True,
) -> RawEvent:
    url = SITE + path + (f"?{query}" if query else "")
    return RawEvent(ts, who[0], who[1], url, referrer, name, props or {}, None, interactive)


def tiny(*extra: RawEvent) -> Traffic:
    """3 people, 4 visits, 5 pageviews, 8 events, 1 bot hit (counted by hand below).

    A1 10:00-10:06 Google, / -> /pricing -> Signup(pro): 2 pageviews, 360 s, no bounce
    A2 10:37 (31 min after A1's last event): /docs, Direct: bounce, 0 s
    B  11:00 newsletter, /docs -> Video Autoplay (non-interactive, 11:02): bounce, 0 s
    C  12:00 Twitter, / -> Download (interactive, 12:01): no bounce, 60 s
    """
    events = [
        ev(at("10:00"), A, "/", referrer="https://www.google.com/"),
        ev(at("10:05"), A, "/pricing", referrer=f"{SITE}/"),
        ev(at("10:06"), A, "/pricing", name="Signup", props={"plan": "pro"}),
        ev(at("10:37"), A, "/docs"),
        ev(at("11:00"), B, "/docs", query="utm_source=newsletter&utm_medium=email"),
        ev(at("11:02"), B, "/docs", name="Video Autoplay", interactive=False),
        ev(at("12:00"), C, "/", referrer="https://t.co/x"),
        ev(at("12:01"), C, "/", name="Download", interactive=True),
        RawEvent(at("12:30"), "66.249.66.1", BOT_UAS[0], f"{SITE}/", "", is_bot=True),
        *extra,
    ]
    events.sort(key=lambda e: e.timestamp)
    return Traffic(DEFAULT_SITE, D, D + timedelta(days=1), events)


def test_totals_counted_by_hand() -> None:
    rows = oracle(tiny(), [*ALL, "views_per_visit"], (D, D))
    # bounces A2 and B: 2 of 4; durations (360 + 0 + 0 + 60) / 4; 5 pageviews / 4 visits
    assert rows == [([], [3, 4, 5, 8, 50, 105, 1.25])]


def test_non_interactive_event_keeps_bounce_and_interactive_one_removes_it() -> None:
    assert [v.bounced for v in visits_of(tiny())].count(True) == 2  # A2 and B
    b_visit = next(v for v in visits_of(tiny()) if v.person[1] == B[0])
    assert b_visit.bounced and b_visit.duration == 0  # 120 s, but a bounce counts 0
    c_visit = next(v for v in visits_of(tiny()) if v.person[2] == C[1])
    assert not c_visit.bounced and c_visit.duration == 60


@pytest.mark.parametrize(
    ("gap", "visits"),
    [
        (timedelta(minutes=29, seconds=59), 1),
        (timedelta(minutes=30), 2),
        (timedelta(minutes=31), 2),
    ],
)
def test_session_timeout(gap: timedelta, visits: int) -> None:
    t = Traffic(DEFAULT_SITE, D, D, [ev(at("09:00"), A), ev(at("09:00") + gap, A, "/docs")])
    assert oracle(t, ["visitors", "visits", "bounce_rate"], (D, D)) == [
        ([], [1, visits, 100 if visits == 2 else 0])
    ]


def test_visitors_count_again_each_utc_day() -> None:
    t = tiny(ev(at("10:00", D + timedelta(days=1)), A))
    assert oracle(t, ["visitors", "visits"], (D, D + timedelta(days=1))) == [([], [4, 5])]
    assert oracle(t, ["visitors"], (D + timedelta(days=1), D + timedelta(days=1))) == [([], [1])]
    by_day = oracle(t, ["visitors", "pageviews"], (D, D + timedelta(days=1)), ["time:day"])
    assert by_day == [(["2026-03-02"], [3, 5]), (["2026-03-03"], [1, 1])]


def test_empty_range_has_one_row_of_zeros() -> None:
    assert oracle(tiny(), ALL, (D - timedelta(days=9), D - timedelta(days=1))) == [
        ([], [0, 0, 0, 0, 0, 0])
    ]


def test_filters() -> None:
    q = (D, D)
    # Page: event metrics count events on the page; visits containing it are measured whole.
    pricing = [["is", "event:page", ["/pricing"]]]
    assert oracle(tiny(), ALL, q, filters=pricing) == [([], [1, 1, 1, 2, 0, 360])]
    # Bounce rate under a page filter: only visits that entered there (A2 and B, both bounce).
    docs = [["is", "event:page", ["/docs"]]]
    assert oracle(tiny(), ["visits", "bounce_rate"], q, filters=docs) == [([], [2, 100])]
    home = [["is", "event:page", ["/"]]]  # A1 and C entered on /, neither bounced
    assert oracle(tiny(), ["visitors", "events", "bounce_rate"], q, filters=home) == [
        ([], [2, 3, 0])
    ]
    signup = [["is", "event:name", ["Signup"]]]
    assert oracle(tiny(), ALL, q, filters=signup) == [([], [1, 1, 0, 1, 0, 360])]
    google = [["is", "visit:source", ["Google"]]]
    assert oracle(tiny(), ALL, q, filters=google) == [([], [1, 1, 2, 3, 0, 360])]
    direct = [["is", "visit:source", ["Direct / None"]]]
    assert oracle(tiny(), ["visits", "bounce_rate"], q, filters=direct) == [([], [1, 100])]
    both = [*google, *signup]  # ANDed
    assert oracle(tiny(), ["visitors", "events"], q, filters=both) == [([], [1, 1])]
    assert oracle(tiny(), ["visitors"], q, filters=[*direct, *signup]) == [([], [0])]


def test_dimensions_and_order() -> None:
    q = (D, D)
    sources = oracle(tiny(), ["visitors", "visits", "bounce_rate"], q, ["visit:source"])
    assert sources == [
        (["Direct / None"], [1, 1, 100]),
        (["Google"], [1, 1, 0]),
        (["Twitter"], [1, 1, 0]),
        (["newsletter"], [1, 1, 100]),
    ]
    pages = oracle(tiny(), ["visitors", "pageviews", "events", "visits"], q, ["event:page"])
    assert pages == [(["/"], [2, 2, 3, 2]), (["/docs"], [2, 2, 3, 2]), (["/pricing"], [1, 1, 2, 1])]
    entry = oracle(tiny(), ["visits", "pageviews"], q, ["visit:entry_page"])
    assert entry == [(["/"], [2, 3]), (["/docs"], [2, 2])]
    plan = oracle(tiny(), ["events"], q, ["event:props:plan"])
    assert plan == [(["(none)"], [7]), (["pro"], [1])]
    medium = oracle(tiny(), ["visits"], q, ["visit:utm_medium"])
    assert medium == [(["(not set)"], [3]), (["email"], [1])]
    names = oracle(tiny(), ["events"], q, ["event:name"])
    assert names[0] == (["pageview"], [5])
    with pytest.raises(ValueError, match="event dimension"):
        oracle(tiny(), ["bounce_rate"], q, ["event:page"])


def test_rounding_is_half_up() -> None:
    # 8 visits, 1 bounce: 12.5 % -> 13
    people = [(f"81.2.1.{n}", BROWSER_UAS[0]) for n in range(8)]
    events = [ev(at("09:00"), p) for p in people]
    events += [ev(at("09:01"), p, "/docs") for p in people[1:]]
    rows = oracle(Traffic(DEFAULT_SITE, D, D, events), ["bounce_rate", "views_per_visit"], (D, D))
    assert rows == [([], [13, 1.88])]  # 15 / 8 = 1.875 -> 1.88


def test_generation_is_deterministic() -> None:
    one, two = generate(7, 3, D), generate(7, 3, D)
    assert one.events == two.events
    assert one.batches() == two.batches()
    assert generate(8, 3, D).events != one.events


def test_generated_traffic_keeps_the_rules() -> None:
    t = generate(3, 7, D)
    assert (t.start, t.end) == (D - timedelta(days=6), D)
    per_day = Counter(e.timestamp.date() for e in t.events)
    assert sorted(per_day) == [t.start + timedelta(days=n) for n in range(7)]
    assert all(1500 <= n <= 3000 for n in per_day.values())
    assert any(e.is_bot for e in t.events)
    assert {e.name for e in t.humans()} >= {"pageview", "Signup", "Purchase", "Download"}
    assert any(e.revenue for e in t.humans() if e.name == "Purchase")
    last: dict[tuple[str, str], datetime] = {}
    for e in t.humans():
        assert e.timestamp.tzinfo is UTC and time(1) <= e.timestamp.time() <= time(22, 30)
        assert last.get((e.ip, e.user_agent), datetime.min.replace(tzinfo=UTC)) < e.timestamp
        last[(e.ip, e.user_agent)] = e.timestamp
    visits = visits_of(t)
    assert all(v.events[0].name == "pageview" for v in visits)
    assert any(v.bounced for v in visits) and any(not v.bounced for v in visits)
    assert any(v.bounced and len(v.events) > 1 for v in visits)  # non-interactive only
    people = Counter(v.person for v in visits)
    assert any(n > 1 for n in people.values())  # returns later the same day
    sources = Counter(v.attribute("visit:source") for v in visits)
    assert set(sources) == {"", "Google", "Hacker News", "Twitter", "newsletter", "partner"}


def test_batches_hold_every_event_once_and_keep_person_days_together() -> None:
    t = generate(5, 2, D)
    batches = t.batches(size=300)
    assert all(0 < len(b) <= 300 for b in batches)
    items = [item for b in batches for item in b]
    assert len(items) == len(t.events)
    assert set(items[0]) == {
        "timestamp", "ip", "user_agent", "url", "referrer", "name", "props", "revenue",
        "interactive",
    }  # fmt: skip
    assert all(item["timestamp"].endswith("Z") for item in items)
    where: dict[tuple[str, str, str], int] = {}
    for n, batch in enumerate(batches):
        for item in batch:
            key = (item["timestamp"][:10], item["ip"], item["user_agent"])
            assert where.setdefault(key, n) == n


def test_generator_assumptions_hold_in_footfall() -> None:
    """The names and UAs the oracle predicts are what Footfall's enrichment produces."""
    bots = BotDetector()
    assert all(bots.check(ua) is None for ua in BROWSER_UAS)
    assert all(bots.check(ua) is not None for ua in BOT_UAS)
    for host, name in KNOWN_REFERRERS.items():
        ref = parse_referrer(f"https://www.{host}/some/path?q=1", DEFAULT_SITE)
        assert ref is not None and ref.source == name
    assert parse_referrer(f"{SITE}/docs", DEFAULT_SITE) is None  # internal navigation
    assert source_name("newsletter") == "newsletter" and source_name("partner") == "partner"


def test_cases_are_well_formed_and_hit_no_rounding_tie(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tie (x.5) would make the answer depend on the backend's rounding mode."""
    ties: list[Fraction] = []
    exact = oracle_module._round

    def spy(value: Fraction, places: int = 0) -> float | int:
        scaled = value * 10**places
        if scaled - scaled.numerator // scaled.denominator == Fraction(1, 2):
            ties.append(value)
        return exact(value, places)

    monkeypatch.setattr(oracle_module, "_round", spy)
    traffic = generate(SEED, DAYS, D)
    names = [case.name for case in CASES]
    assert len(names) == len(set(names)) >= 20
    for case in CASES:
        body = case.query(traffic)
        assert body["site_id"] == DEFAULT_SITE and len(body["date_range"]) == 2
        results = case.expected(traffic)
        assert results, case.name
        assert all(len(r["metrics"]) == len(case.metrics) for r in results)
    assert ties == []
