"""The pipeline over a whole batch, as columns: what ``Pipeline.run_all`` does, with no
``Context``, ``Event`` or ``Outcome`` per kept event.

Each step runs once over the live events' column of its input, through the same
cached lookups as the step itself (``_page``, the pipeline's referrer, acquisition
and geo caches, the user agent parser, the bot detector, the site's shields); the
drop steps run first, in the pipeline's order, so an event is dropped for the first
reason ``run_all`` would give, and the steps that only enrich run on the events left.
The events come out as ``EventColumns``, which the embedded store turns into Arrow
columns as they are. In a 100-event batch the objects and the transposition back
into columns were ~3.5 us of an event's ~20 (issue 17, docs/performance.md).
``tests/ingest/test_columns.py`` holds it to ``run_all``, event for event.
"""

from __future__ import annotations

import operator
import time
from collections.abc import Callable, Sequence
from itertools import compress, repeat
from typing import Any

from footfall.domain import ENGAGEMENT, DropReason, EventColumns, Site, engagement_props
from footfall.ingest.enrich.ua import device_from_screen_width
from footfall.ingest.pipeline import _NO_SITE, Outcome, Pipeline, _page
from footfall.ingest.request import IngestRequest
from footfall.shields import OPEN, Guard

KEPT = Outcome(None, None)  # a kept event's outcome: its event is in the columns
_GEO = operator.attrgetter("country", "region", "city")
_AGENT = operator.attrgetter("browser", "browser_version", "os", "os_version", "device")


class _Live:
    """The batch's events still kept, as parallel lists, and each one's outcome."""

    def __init__(self, requests: Sequence[IngestRequest]) -> None:
        self.outcomes = [KEPT] * len(requests)
        self.index = list(range(len(requests)))
        self.reqs = list(requests)
        self.sites: list[Site] = []
        self.guards: list[Guard] = []
        self.extra: list[list[Any]] = []  # per-event values of the steps so far

    def sift(self, reasons: list[DropReason | None]) -> None:
        """Record the events that ``reasons`` drop; keep the rest in every list."""
        if reasons.count(None) == len(reasons):
            return
        for i, reason, site in zip(self.index, reasons, self.sites, strict=True):
            if reason is not None:
                self.outcomes[i] = Outcome(None, reason, site.id)
        kept = [reason is None for reason in reasons]
        self.index = list(compress(self.index, kept))
        self.reqs = list(compress(self.reqs, kept))
        self.sites = list(compress(self.sites, kept))
        self.guards = list(compress(self.guards, kept))
        self.extra = [list(compress(values, kept)) for values in self.extra]

    def guarded(self) -> bool:
        return any(guard is not OPEN for guard in self.guards)


def run_columns(
    p: Pipeline, requests: Sequence[IngestRequest]
) -> tuple[EventColumns, list[Outcome]]:
    """The batch's kept events as columns, in order, and every request's outcome
    (``KEPT`` for a kept one). As ``run_all``, it never blocks: ``prepare`` first."""
    clock = time.perf_counter_ns
    spent = p.step_ns
    live = _Live(requests)

    started = clock()
    keys = list(map(p.site_key, live.reqs))
    found = {key: p.sites.cached_entry(*key) for key in set(keys)}
    entries = list(map(found.__getitem__, keys))
    live.sites = [site or _NO_SITE for site, _ in entries]
    live.guards = [guard for _, guard in entries]
    live.sift([DropReason.UNKNOWN_SITE if site is None else None for site, _ in entries])
    spent["site"] += clock() - started

    started = clock()
    live.sift(_each(p.bots.check, [r.user_agent for r in live.reqs]))
    spent["bots"] += clock() - started

    started = clock()
    pages = list(map(_page, [r.url for r in live.reqs], [r.hash_mode for r in live.reqs]))
    live.extra = [pages]
    spent["page"] += clock() - started

    started = clock()
    if live.guarded():
        live.sift(
            [
                g.check_page(host, r.ip, path) if g is not OPEN else None
                for g, (path, host), r in zip(live.guards, live.extra[0], live.reqs, strict=True)
            ]
        )
    spent["shields"] += clock() - started

    started = clock()
    hosts = [host or site.domain for (_, host), site in zip(live.extra[0], live.sites, strict=True)]
    # (None, False) for an empty referrer, as the step that skips it
    referrers = list(map(p.cached_referrer, [r.referrer for r in live.reqs], hosts))
    live.extra.append(referrers)
    live.sift([DropReason.REFERRER_SPAM if spam else None for _, spam in referrers])
    spent["referrer"] += clock() - started

    started = clock()
    live.extra.append(list(map(p.cached_geo, [r.ip for r in live.reqs])))
    spent["geo"] += clock() - started

    started = clock()
    if live.guarded():
        live.sift(
            [
                g.check_country(place.country)
                for g, place in zip(live.guards, live.extra[2], strict=True)
            ]
        )
    spent["countries"] += clock() - started
    return _enriched(p, live), live.outcomes


def _enriched(p: Pipeline, live: _Live) -> EventColumns:
    """The columns of the events every drop step kept: the steps that only enrich."""
    clock, spent, reqs, n = time.perf_counter_ns, p.step_ns, live.reqs, len(live.reqs)
    pages, referrers, places = live.extra
    pathnames, hostnames = _split(pages, 2)
    refs = [
        ("", "", "") if ref is None else (ref.url, ref.source, ref.host) for ref, _ in referrers
    ]
    referrer, referrer_source, referrer_host = _split(refs, 3)

    started = clock()
    queries = [r.url.query for r in reqs]
    acquired = _split(list(map(p.cached_acquire, queries, referrer_source, referrer_host)), 8)
    spent["acquisition"] += clock() - started

    started = clock()
    agents = _split(_each(_agent_of(p), [r.user_agent for r in reqs]), 5)
    screens = [device_from_screen_width(r.screen_width) if r.screen_width else "" for r in reqs]
    spent["user_agent"] += clock() - started

    started = clock()
    props = [engagement_props(r.props) if r.name == ENGAGEMENT else r.props for r in reqs]
    revenue = [r.revenue if r.revenue is not None and r.name != ENGAGEMENT else None for r in reqs]
    amounts = [None if rev is None else rev.amount for rev in revenue]
    currencies = ["" if rev is None else rev.currency for rev in revenue]
    spent["props"] += clock() - started

    started = clock()
    visitor = p.visitors.visitor_id
    visitors = [
        visitor(site.domain, r.ip, r.user_agent, r.timestamp)
        for site, r in zip(live.sites, reqs, strict=True)
    ]
    spent["visitor"] += clock() - started

    columns: list[list[Any]] = [
        [site.id for site in live.sites],
        [r.timestamp for r in reqs],
        [r.name for r in reqs],
        hostnames,
        pathnames,
        visitors,
        list(repeat(0, n)),  # session_id: the store's to decide
        referrer,
        acquired[6],  # the source: the tag, else the referrer's, else the click id's
        acquired[7],  # the channel
        *acquired[:6],  # utm_medium .. utm_term, click_id_param
        *_split(list(map(_GEO, places)), 3),
        *agents,
        screens,
        [r.language for r in reqs],
        props,
        amounts,
        currencies,
        [r.interactive for r in reqs],
        list(repeat("", n)),  # entry_page
    ]
    return EventColumns(columns, n)


def _each(fn: Callable[[Any], Any], values: list[Any]) -> list[Any]:
    """``fn`` of each value, called once per distinct value (a batch repeats them:
    one user agent, a few pages; a dict lookup is cheaper than the cached call)."""
    found = {value: fn(value) for value in set(values)}
    return list(map(found.__getitem__, values))


def _agent_of(p: Pipeline) -> Callable[[str], tuple[str, ...]]:
    def agent(user_agent: str) -> tuple[str, ...]:
        return _AGENT(p.agents.parse(user_agent))

    return agent


def _split(rows: list[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """Tuples of ``width`` values into ``width`` lists (empty ones when no rows)."""
    if not rows:
        return [[] for _ in range(width)]
    return [list(column) for column in zip(*rows, strict=True)]
