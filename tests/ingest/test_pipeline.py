"""Each pipeline step on its own, asserting the drop reason it gives."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from footfall.domain import DropReason
from footfall.ingest.enrich.geo import GeoLocator
from footfall.ingest.pipeline import Context, Outcome, Pipeline
from footfall.ingest.request import IngestRequest, Revenue
from footfall.ingest.site_cache import SiteCache
from footfall.ingest.visitor import VisitorHasher
from footfall.store.registry import Stores
from tests.support import CHROME_UA

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def enrich(pipeline: Pipeline, req: IngestRequest) -> Outcome:
    """What the ingest core does per request: prepare (off the loop), then run."""
    asyncio.run(pipeline.prepare([req]))
    return pipeline.run(req)


@pytest.fixture
def pipeline(stores: Stores) -> Pipeline:
    stores.catalog.add_site("example.com", "UTC", "00000000-0000-0000-0000-000000000001")
    return Pipeline(
        SiteCache(stores.catalog), VisitorHasher(stores.catalog, lambda: NOW), GeoLocator()
    )


def request(**kw: object) -> IngestRequest:
    base: dict[str, object] = {
        "name": "pageview",
        "url": urlsplit("https://example.com/a?utm_source=news"),
        "timestamp": NOW,
        "ip": "8.8.8.8",
        "user_agent": CHROME_UA,
        "domain": "example.com",
    }
    return IngestRequest(**{**base, **kw})  # type: ignore[arg-type]


def test_steps_are_named_in_order(pipeline: Pipeline) -> None:
    assert [name for name, _ in pipeline.steps] == [
        "site",
        "bots",
        "page",
        "shields",
        "referrer",
        "acquisition",
        "geo",
        "countries",
        "user_agent",
        "props",
        "visitor",
    ]


def test_full_run_enriches_every_field(pipeline: Pipeline) -> None:
    out = enrich(
        pipeline,
        request(
            referrer="https://www.bing.com/search?q=x",
            revenue=Revenue("9.5000", "USD"),
            props={"a": "b"},
        ),
    )
    assert out.dropped is None
    e = out.event
    assert e is not None
    assert (e.pathname, e.hostname, e.country) == ("/a", "example.com", "US")
    assert (e.utm_source, e.referrer_source) == ("news", "news")
    assert e.referrer == "https://www.bing.com/search"
    assert (e.revenue_amount, e.revenue_currency, e.props) == ("9.5000", "USD", {"a": "b"})
    assert e.visitor_id > 0  # its visit is the store's (tests/store/contract/test_events.py)
    assert all(ns > 0 for ns in pipeline.step_ns.values())


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"domain": "unknown.net"}, DropReason.UNKNOWN_SITE),
        ({"site_id": 999}, DropReason.UNKNOWN_SITE),
        ({"umami_website_id": "00000000-0000-0000-0000-000000000009"}, DropReason.UNKNOWN_SITE),
        ({"user_agent": ""}, DropReason.EMPTY_USER_AGENT),
        ({"user_agent": "curl/8.5.0"}, DropReason.BOT_USER_AGENT),
        ({"user_agent": "Mozilla/5.0 HeadlessChrome/120.0"}, DropReason.HEADLESS_BROWSER),
    ],
)
def test_drop_reasons(pipeline: Pipeline, kw: dict[str, object], reason: DropReason) -> None:
    assert enrich(pipeline, request(**kw)).dropped is reason


def test_referrer_spam_step(pipeline: Pipeline) -> None:
    from footfall.ingest.enrich.referrer import _spam_hosts

    host = sorted(_spam_hosts())[5]
    ctx = Context(request(referrer=f"http://sub.{host}/page"))
    asyncio.run(pipeline.prepare([ctx.req]))
    assert pipeline.resolve_site(ctx) is None
    assert pipeline.page(ctx) is None
    assert pipeline.referrer(ctx) is DropReason.REFERRER_SPAM


def test_self_referral_is_not_a_source(pipeline: Pipeline) -> None:
    out = enrich(
        pipeline,
        request(referrer="https://www.example.com/prev", url=urlsplit("https://example.com/b")),
    )
    assert out.event is not None
    assert (out.event.referrer, out.event.referrer_source) == ("", "")


def test_page_step_hash_mode(pipeline: Pipeline) -> None:
    ctx = Context(request(url=urlsplit("https://www.example.com/app#/x"), hash_mode=True))
    pipeline.page(ctx)
    assert (ctx.event.pathname, ctx.event.hostname) == ("/app#/x", "example.com")


def test_one_visitor_one_id_through_the_day(pipeline: Pipeline) -> None:
    first = enrich(pipeline, request())
    later = enrich(pipeline, request(timestamp=NOW + timedelta(hours=3)))
    other = enrich(pipeline, request(ip="198.51.100.77"))
    assert first.event and later.event and other.event
    assert first.event.visitor_id == later.event.visitor_id != other.event.visitor_id


def test_a_batch_gets_each_event_the_outcome_it_gets_alone(pipeline: Pipeline) -> None:
    """``run_all`` (step by step over the batch) answers each event as ``run`` alone
    does: kept events enriched alike, dropped ones with their first drop reason, in
    the batch's order, whatever that order is."""
    from footfall.ingest.enrich.referrer import _spam_hosts

    spam = sorted(_spam_hosts())[5]
    kinds: list[dict[str, object]] = [
        {},
        {"domain": "unknown.net"},
        {"user_agent": "curl/8.5.0"},
        {"user_agent": ""},
        {"referrer": f"http://sub.{spam}/page"},
        {"url": urlsplit("https://www.example.com/b#x"), "hash_mode": True},
        {"ip": "81.2.69.142", "referrer": "https://www.bing.com/search?q=x"},
        {"props": {"k": "v"}, "revenue": Revenue("1.0000", "EUR"), "name": "Signup"},
        {"timestamp": NOW - timedelta(days=1, minutes=5), "screen_width": 400},
    ]
    rng = random.Random(17)
    for _ in range(20):
        reqs = [request(**rng.choice(kinds)) for _ in range(rng.randint(1, 40))]
        asyncio.run(pipeline.prepare(reqs))
        assert pipeline.run_all(reqs) == [pipeline.run(r) for r in reqs]
