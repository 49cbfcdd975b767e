"""The known answers: Plausible-style metrics computed from raw generated events.

Written from DESIGN §3 and COMPAT.md ("Plausible metric definitions"), not from Footfall's
code, so that the stats engine is checked against an independent reading. Only the human
events count: Footfall drops the bots at ingest. Days are UTC (the suite's sites are UTC).

Rules implemented here, in one place:

- visitors: distinct (UTC day, IP, UA). Footfall's visitor id is a keyed hash of site + IP
  + UA under a salt of the event's UTC day, so one person is a new visitor every day, and
  over a multi-day range visitors is the number of distinct (day, IP, UA) triples, not of
  people. (As in Plausible, where the salt rotates daily.)
- visits: a visitor's events with gaps under 30 minutes (a gap of exactly 30 min starts a
  new visit); generated visits never cross a UTC midnight.
- pageviews: events named "pageview"; events: all events (pageviews and custom events).
- bounce: a visit with fewer than 2 pageviews and no interactive custom event;
  bounce_rate = round(100 x bounced / visits).
- visit_duration = round(sum of durations / visits), duration = last event - first event
  (custom events included, non-interactive ones too), a bounce counts 0 (DESIGN §3).
- views_per_visit = round(pageviews of the visits / visits, 2).
- Rounding is half up on the exact fraction (12.5 -> 13); a zero denominator gives 0.
- A visit's source, UTM tags and entry page come from its first event (always a pageview).

Filters (``["is", dimension, [values]]``, all ANDed; ``["and"|"or", [filters]]`` and
``["not", filter]`` combine them, each combination over one kind, events or visits,
as Plausible's v2 API allows) follow Plausible's query builder:

- An event filter (event:page, event:name, event:props:*) keeps the matching events; all
  event filters must hold for the same event. Event metrics count those events. A visit
  metric counts the visits that contain at least one matching event; the whole visit is
  measured (its duration, its pageviews for views_per_visit).
- bounce_rate under an event:page filter counts only the visits that *entered* on one of
  the filter's pages (Plausible: "only count bounce rate where users entered at page").
- A visit filter (visit:source, visit:entry_page, visit:utm_*) keeps the matching visits,
  and event metrics count the events of those visits.

Dimensions: time:day, visit:* (the visit's value; events take their visit's value) and
event:* (the event's value). Grouped by an event dimension, event metrics count the events
with that value and ``visits`` counts the visits containing such an event (Plausible's
uniq(session_id) over events); bounce_rate, visit_duration and views_per_visit have no
agreed per-event meaning (Plausible's old page breakdown used the entry page), so the
oracle refuses them rather than guess. Empty values read as Plausible shows them:
"Direct / None" (source), "(not set)" (UTM tags), "(none)" (a missing prop).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.conformance.traffic import RawEvent, Traffic

TIMEOUT = timedelta(minutes=30)
EVENT_METRICS = ("visitors", "pageviews", "events")
VISIT_METRICS = ("visits", "bounce_rate", "visit_duration", "views_per_visit")
NO_SOURCE, NOT_SET, NO_PROP = "Direct / None", "(not set)", "(none)"
# Referrer hosts (without "www.") the generator uses, and the names Plausible gives them.
KNOWN_REFERRERS = {"google.com": "Google", "news.ycombinator.com": "Hacker News", "t.co": "Twitter"}

Row = tuple[list[str], list[float | int]]


@dataclass
class Visit:
    person: tuple[date, str, str]  # (UTC day, IP, UA): one visitor
    events: list[RawEvent]

    @property
    def day(self) -> date:
        return self.events[0].timestamp.date()

    @property
    def pageviews(self) -> int:
        return sum(e.name == "pageview" for e in self.events)

    @property
    def bounced(self) -> bool:
        interacted = any(e.name != "pageview" and e.interactive for e in self.events)
        return self.pageviews < 2 and not interacted

    @property
    def duration(self) -> int:
        if self.bounced:
            return 0
        return int((self.events[-1].timestamp - self.events[0].timestamp).total_seconds())

    def attribute(self, dimension: str) -> str:
        """The visit's own value ("" when empty) of a visit:* dimension."""
        first = self.events[0]
        tags = _query(first.url)
        if dimension == "visit:entry_page":  # the first pageview's path
            return next((path_of(e) for e in self.events if e.name == "pageview"), "")
        if dimension == "visit:source":
            return tags.get("utm_source") or _referrer_name(first.referrer, first.url)
        if dimension.startswith("visit:utm_"):
            return tags.get(dimension.removeprefix("visit:"), "")
        raise ValueError(f"the oracle does not know {dimension}")


def path_of(event: RawEvent) -> str:
    return urlsplit(event.url).path or "/"


def _query(url: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in parse_qsl(urlsplit(url).query):
        out.setdefault(key, value.strip())
    return out


def _referrer_name(referrer: str, url: str) -> str:
    host = (urlsplit(referrer).hostname or "").removeprefix("www.")
    if not host or host == (urlsplit(url).hostname or "").removeprefix("www."):
        return ""  # no referrer, or internal navigation
    return KNOWN_REFERRERS.get(host, host)


def visits_of(traffic: Traffic) -> list[Visit]:
    """Every human visit, in order of (person, start)."""
    people: dict[tuple[date, str, str], list[RawEvent]] = {}
    for e in sorted(traffic.humans(), key=lambda e: e.timestamp):
        people.setdefault((e.timestamp.date(), e.ip, e.user_agent), []).append(e)
    visits: list[Visit] = []
    for person, events in people.items():
        for e in events:
            if (
                visits
                and visits[-1].person == person
                and (e.timestamp - visits[-1].events[-1].timestamp < TIMEOUT)
            ):
                visits[-1].events.append(e)
            else:
                visits.append(Visit(person, [e]))
    return visits


def _display(dimension: str, value: str) -> str:
    if value:
        return value
    if dimension == "visit:source":
        return NO_SOURCE
    return NOT_SET if dimension.startswith("visit:utm_") else value


def _event_value(dimension: str, e: RawEvent, v: Visit) -> str:
    if dimension == "time:day":
        return e.timestamp.date().isoformat()
    if dimension == "event:page":
        return path_of(e)
    if dimension == "event:name":
        return e.name
    if dimension.startswith("event:props:"):
        return e.props.get(dimension.removeprefix("event:props:")) or NO_PROP
    return _display(dimension, v.attribute(dimension))


def _visit_value(dimension: str, v: Visit) -> str:
    if dimension == "time:day":
        return v.day.isoformat()
    return _display(dimension, v.attribute(dimension))


def _round(value: Fraction, places: int = 0) -> float | int:
    scaled = value * 10**places
    rounded = (scaled.numerator * 2 + scaled.denominator) // (scaled.denominator * 2)
    return int(rounded) if places == 0 else float(Fraction(rounded, 10**places))


def _ratio(num: int, den: int, scale: int = 1, places: int = 0) -> float | int:
    return _round(Fraction(num * scale, den), places) if den else (0 if places == 0 else 0.0)


def _check(metrics: Sequence[str], dimensions: Sequence[str], filters: Sequence[Any]) -> None:
    for m in metrics:
        if m not in EVENT_METRICS + VISIT_METRICS:
            raise ValueError(f"the oracle does not compute {m}")
    if any(d.startswith("event:") for d in dimensions):
        refused = [m for m in metrics if m in VISIT_METRICS and m != "visits"]
        if refused:
            raise ValueError(f"{refused} grouped by an event dimension is not defined here")
    for f in filters:
        _leaves(f)


def _leaves(f: Sequence[Any]) -> list[Sequence[Any]]:
    """The ``is`` conditions of a filter, checked to be of one kind."""
    if f and f[0] in ("and", "or") and len(f) == 2:
        found = [leaf for child in f[1] for leaf in _leaves(child)]
    elif f and f[0] == "not" and len(f) == 2:
        found = _leaves(f[1])
    elif len(f) == 3 and f[0] == "is" and isinstance(f[2], list):
        return [f]
    else:
        raise ValueError(f"only 'is' conditions, and/or/not of them, are supported: {f}")
    if len({is_event_filter(leaf) for leaf in found}) != 1:
        raise ValueError(f"a combination mixes event and visit dimensions: {f}")
    return found


def is_event_filter(f: Sequence[Any]) -> bool:
    """Whether a filter is on events (else on visits): the kind of its conditions."""
    return str(_leaves(f)[0][1]).startswith("event:")


def _matches(f: Sequence[Any], value: str) -> bool:
    return value in {_display(f[1], str(c)) for c in f[2]}


def holds(f: Sequence[Any], value_of: Callable[[str], str]) -> bool:
    """Whether a filter holds, with ``value_of(dimension)`` the value it reads."""
    if f[0] == "and":
        return all(holds(c, value_of) for c in f[1])
    if f[0] == "or":
        return any(holds(c, value_of) for c in f[1])
    if f[0] == "not":
        return not holds(f[1], value_of)
    return _matches(f, value_of(f[1]))


def visit_holds(f: Sequence[Any], v: Visit) -> bool:
    return holds(f, partial(_visit_value, v=v))


def event_holds(f: Sequence[Any], e: RawEvent, v: Visit) -> bool:
    return holds(f, partial(_event_value, e=e, v=v))


def oracle(
    traffic: Traffic,
    metrics: Sequence[str],
    date_range: tuple[date, date],
    dimensions: Sequence[str] = (),
    filters: Sequence[Sequence[Any]] = (),
) -> list[Row]:
    """Rows (dimension values, metric values) like Plausible v2 ``results``.

    Sorted by the first metric descending, then the dimension values ascending. Without
    dimensions there is always exactly one row (zeros when nothing matched).
    """
    _check(metrics, dimensions, filters)
    first, last = date_range
    event_filters = [f for f in filters if is_event_filter(f)]
    visit_filters = [f for f in filters if not is_event_filter(f)]
    visits: list[Visit] = []
    matched: list[tuple[RawEvent, Visit]] = []
    for v in visits_of(traffic):
        if not first <= v.day <= last:
            continue
        if not all(visit_holds(f, v) for f in visit_filters):
            continue
        hits = [e for e in v.events if all(event_holds(f, e, v) for f in event_filters)]
        if hits:  # without event filters every event of the visit is a hit
            visits.append(v)
            matched.extend((e, v) for e in hits)

    by_event_dim = any(d.startswith("event:") for d in dimensions)
    ev_groups: dict[tuple[str, ...], list[tuple[RawEvent, Visit]]] = {}
    for e, v in matched:
        ev_groups.setdefault(tuple(_event_value(d, e, v) for d in dimensions), []).append((e, v))
    v_groups: dict[tuple[str, ...], list[Visit]] = {}
    if not by_event_dim:
        for v in visits:
            v_groups.setdefault(tuple(_visit_value(d, v) for d in dimensions), []).append(v)
    # Bounce rate under a page filter: only the visits that entered on a filtered page.
    entry_pages = [f for f in event_filters if f[0] == "is" and f[1] == "event:page"]
    if (
        any(leaf[1] == "event:page" for f in event_filters if f[0] != "is" for leaf in _leaves(f))
        and "bounce_rate" in metrics
    ):
        raise ValueError("bounce_rate under an and/or/not of pages is not defined here")

    def metric(name: str, key: tuple[str, ...]) -> float | int:
        evs = ev_groups.get(key, [])
        vs = v_groups.get(key, [])
        if name == "visitors":
            return len({v.person for _, v in evs})
        if name == "pageviews":
            return sum(e.name == "pageview" for e, _ in evs)
        if name == "events":
            return len(evs)
        if name == "visits":
            return len({id(v) for _, v in evs}) if by_event_dim else len(vs)
        if name == "bounce_rate":
            entered = [
                v
                for v in vs
                if all(_matches(f, v.attribute("visit:entry_page")) for f in entry_pages)
            ]
            return _ratio(sum(v.bounced for v in entered), len(entered), 100)
        if name == "visit_duration":
            return _ratio(sum(v.duration for v in vs), len(vs))
        return _ratio(sum(v.pageviews for v in vs), len(vs), 1, 2)  # views_per_visit

    keys = set(ev_groups) | set(v_groups)
    if not dimensions:
        keys = {()}
    rows: list[Row] = [([*key], [metric(m, key) for m in metrics]) for key in keys]
    rows.sort(key=lambda r: r[0])
    rows.sort(key=lambda r: r[1][0] if r[1] else 0, reverse=True)  # stable: dims stay ascending
    return rows


def as_results(rows: list[Row]) -> list[dict[str, list[Any]]]:
    """The rows in the shape of ``POST /api/v2/query`` ``results``."""
    return [{"metrics": list(m), "dimensions": list(d)} for d, m in rows]
