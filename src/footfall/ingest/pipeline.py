"""The enrichment pipeline: an ordered list of named steps over one event.

Each step reads the request and fills in part of the event, or drops it with a
``DropReason``. Steps are timed (cumulative nanoseconds per step, exposed in
/metrics) and tested on their own. Modelled on Plausible's ``ingestion/event.ex``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import NamedTuple, cast
from urllib.parse import SplitResult

from footfall.domain import ENGAGEMENT, DropReason, Event, Site, engagement_props
from footfall.ingest.enrich.bots import BotDetector
from footfall.ingest.enrich.geo import GeoLocator
from footfall.ingest.enrich.referrer import Referrer, is_spam, parse_referrer
from footfall.ingest.enrich.ua import UserAgentParser, device_from_screen_width
from footfall.ingest.enrich.utm import acquisition_from_query, channel, source_from
from footfall.ingest.request import IngestRequest
from footfall.ingest.site_cache import SiteCache
from footfall.ingest.visitor import VisitorHasher
from footfall.offload import offload
from footfall.shields import OPEN, Guard

_NO_SITE = Site(0, "")  # frozen: shared by every context until its site is known
_NO_TIME = datetime.min.replace(tzinfo=UTC)


@dataclass(slots=True)
class Context:
    req: IngestRequest
    site: Site = _NO_SITE
    event: Event = field(default_factory=lambda: Event(0, _NO_TIME, "", "", "", 0, 0))
    referrer_host: str = ""
    guard: Guard = OPEN


Step = Callable[[Context], DropReason | None]


def _referrer_and_spam(referrer: str, site_host: str) -> tuple[Referrer | None, bool]:
    ref = parse_referrer(referrer, site_host)
    return ref, ref is not None and is_spam(ref.host)


_Acquired = tuple[str, str, str, str, str, str, str, str]


def _acquire(query: str, referrer_source: str, referrer_host: str) -> _Acquired:
    """The landing URL's tags, the event's source and its channel: one cached call per
    event (two, with six arguments to hash, cost ~0.15 us more)."""
    acq = acquisition_from_query(query)
    source = source_from(acq.tagged_source, referrer_source, acq.click_id_param)
    group = channel(
        source,
        acq.utm_medium,
        acq.utm_campaign,
        acq.click_id_param,
        referrer_host,
        acq.tagged_source,
    )
    return (
        acq.utm_medium,
        acq.utm_source,
        acq.utm_campaign,
        acq.utm_content,
        acq.utm_term,
        acq.click_id_param,
        source,
        group,
    )


@lru_cache(maxsize=16_384)
def _page(url: SplitResult, hash_mode: bool) -> tuple[str, str]:
    """The event's path and host (``SplitResult.hostname`` re-parses the netloc on
    every read: ~2 us; pages repeat)."""
    path = url.path or "/"
    if hash_mode and url.fragment:
        path = f"{path}#{url.fragment}"
    return path, (url.hostname or "").removeprefix("www.")


@cache
def shared_bot_detector() -> BotDetector:
    """One per process: building it compiles ~1,500 patterns (50-100 ms)."""
    return BotDetector()


@cache
def shared_user_agent_parser() -> UserAgentParser:
    """One per process: building the Rust resolver takes 0.2-0.4 s."""
    return UserAgentParser()


class Outcome(NamedTuple):
    """A tuple, not a frozen dataclass: built for every event of a batch, it cost
    0.39 us as one (``object.__setattr__`` per field) against 0.22 (issue 17)."""

    event: Event | None
    dropped: DropReason | None
    site_id: int = 0  # of a dropped event, once its site is known (0: unknown)


class Pipeline:
    """Turns IngestRequests into Events. Not thread-safe; runs on the event loop."""

    def __init__(
        self,
        sites: SiteCache,
        visitors: VisitorHasher,
        geo: GeoLocator,
        bots: BotDetector | None = None,
        agents: UserAgentParser | None = None,
    ) -> None:
        self.sites = sites
        self.visitors = visitors
        self.geo = geo
        self.bots = bots or shared_bot_detector()
        self.agents = agents or shared_user_agent_parser()
        # Visitors send several events, from one IP, with one referrer and query string:
        # these caches make the repeat cheap (each costs 10-20 us uncached).
        # (Shared with the batch driver, ingest/columns.py, which maps them over columns.)
        self.cached_geo = lru_cache(maxsize=65_536)(geo.lookup)
        self.cached_referrer = lru_cache(maxsize=16_384)(_referrer_and_spam)
        self.cached_acquire = lru_cache(maxsize=16_384)(_acquire)
        self.steps: list[tuple[str, Step]] = [
            ("site", self.resolve_site),
            ("bots", self.drop_bots),
            ("page", self.page),
            ("shields", self.shield),
            ("referrer", self.referrer),
            ("acquisition", self.acquisition),
            ("geo", self.locate),
            ("countries", self.shield_countries),
            ("user_agent", self.user_agent),
            ("props", self.props),
            ("visitor", self.visitor),
        ]
        self.step_ns: dict[str, int] = {name: 0 for name, _ in self.steps}

    @staticmethod
    def site_key(req: IngestRequest) -> tuple[str, object]:
        if req.site_id is not None:
            return ("id", req.site_id)
        if req.umami_website_id:
            return ("umami", req.umami_website_id)
        return ("domain", req.domain)

    async def prepare(self, requests: Sequence[IngestRequest]) -> None:
        """Fetch what ``run`` needs from the store (sites not cached, today's salts),
        off the event loop; ``run`` itself then never blocks."""
        await self.sites.prepare({self.site_key(r) for r in requests})
        if self.visitors.stale():
            await offload(self.visitors.refresh, executor=self.sites.executor)

    def run(self, req: IngestRequest) -> Outcome:
        return self.run_all([req])[0]

    def run_all(self, requests: Sequence[IngestRequest]) -> list[Outcome]:
        """Every request through the steps, one step over all of them at a time: each
        event still meets the steps in order and stops at its first drop, and a step
        is timed once per call, not once per event (two clock reads per event and
        step were ~10% of a batch)."""
        clock = time.perf_counter_ns
        spent = self.step_ns
        live = [Context(req) for req in requests]
        index: Sequence[int] = range(len(live))  # of each live context in ``requests``
        outcomes: list[Outcome | None] = [None] * len(live)
        for name, step in self.steps:
            started = clock()
            reasons = list(map(step, live))  # the loop in C: nearly every step keeps all
            spent[name] += clock() - started
            if reasons.count(None) == len(reasons):
                continue
            kept: list[int] = []
            for i, ctx, reason in zip(index, live, reasons, strict=True):
                if reason is None:
                    kept.append(i)
                else:
                    outcomes[i] = Outcome(None, reason, ctx.site.id)
            live = [ctx for ctx, reason in zip(live, reasons, strict=True) if reason is None]
            index = kept
        for i, ctx in zip(index, live, strict=True):
            outcomes[i] = Outcome(ctx.event, None)
        return cast(list[Outcome], outcomes)

    # steps -------------------------------------------------------------------
    def resolve_site(self, ctx: Context) -> DropReason | None:
        req = ctx.req
        site, guard = self.sites.cached_entry(*self.site_key(req))
        if site is None:
            return DropReason.UNKNOWN_SITE
        ctx.site, ctx.guard = site, guard
        ctx.event.site_id = site.id
        ctx.event.timestamp = req.timestamp
        ctx.event.name = req.name
        return None

    def drop_bots(self, ctx: Context) -> DropReason | None:
        return self.bots.check(ctx.req.user_agent)

    def referrer(self, ctx: Context) -> DropReason | None:
        if not ctx.req.referrer:
            return None
        ref, spam = self.cached_referrer(ctx.req.referrer, ctx.event.hostname or ctx.site.domain)
        if spam:
            return DropReason.REFERRER_SPAM
        if ref is None:
            return None
        ctx.event.referrer, ctx.event.referrer_source = ref.url, ref.source
        ctx.referrer_host = ref.host
        return None

    def page(self, ctx: Context) -> DropReason | None:
        ctx.event.pathname, ctx.event.hostname = _page(ctx.req.url, ctx.req.hash_mode)
        return None

    def shield(self, ctx: Context) -> DropReason | None:
        """The site's hostname, IP and page shields (the IP is still only in memory)."""
        guard = ctx.guard
        if guard is OPEN:
            return None
        return guard.check_page(ctx.event.hostname, ctx.req.ip, ctx.event.pathname)

    def shield_countries(self, ctx: Context) -> DropReason | None:
        return ctx.guard.check_country(ctx.event.country)

    def acquisition(self, ctx: Context) -> DropReason | None:
        e = ctx.event
        (
            e.utm_medium,
            e.utm_source,
            e.utm_campaign,
            e.utm_content,
            e.utm_term,
            e.click_id_param,
            e.referrer_source,
            e.channel,
        ) = self.cached_acquire(ctx.req.url.query, e.referrer_source, ctx.referrer_host)
        return None

    def locate(self, ctx: Context) -> DropReason | None:
        geo = self.cached_geo(ctx.req.ip)
        ctx.event.country, ctx.event.region, ctx.event.city = geo.country, geo.region, geo.city
        return None

    def user_agent(self, ctx: Context) -> DropReason | None:
        e = ctx.event
        info = self.agents.parse(ctx.req.user_agent)
        e.browser, e.browser_version = info.browser, info.browser_version
        e.os, e.os_version, e.device = info.os, info.os_version, info.device
        width = ctx.req.screen_width
        if width:
            e.screen_size = device_from_screen_width(width)
        e.language = ctx.req.language
        return None

    def props(self, ctx: Context) -> DropReason | None:
        e, req = ctx.event, ctx.req
        e.props = req.props
        e.interactive = req.interactive
        if e.name == ENGAGEMENT:  # however it came (docs/metrics.md, "Engagement")
            e.props = engagement_props(req.props)
            return None
        if req.revenue is not None:
            e.revenue_amount, e.revenue_currency = req.revenue.amount, req.revenue.currency
        return None

    def visitor(self, ctx: Context) -> DropReason | None:
        """The visitor id; the event's visit (session_id) is the store's to decide, from
        all the visitor's events (footfall/visits.py), whatever order they arrive in."""
        req = ctx.req
        ctx.event.visitor_id = self.visitors.visitor_id(
            ctx.site.domain, req.ip, req.user_agent, req.timestamp
        )
        return None
