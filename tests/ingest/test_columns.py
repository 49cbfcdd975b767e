"""``run_columns`` (the pipeline over a batch as columns) against ``run_all`` (step by
step over Context objects): the same kept events, field for field and in order, and
the same outcome for every dropped one, whatever the batch holds."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from footfall.domain import ENGAGEMENT, EventColumns, Shields
from footfall.ingest.columns import KEPT, run_columns
from footfall.ingest.enrich.geo import GeoLocator
from footfall.ingest.pipeline import Pipeline
from footfall.ingest.request import IngestRequest, Revenue
from footfall.ingest.site_cache import SiteCache
from footfall.ingest.visitor import VisitorHasher
from footfall.store.registry import Stores
from tests.support import CHROME_UA

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
UMAMI_ID = "00000000-0000-0000-0000-000000000001"
FIREFOX_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
HEADLESS_UA = "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0.0.0 Safari/537.36"


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    from footfall.store.registry import open_stores

    path = tmp_path_factory.mktemp("columns") / "store.duckdb"
    stores: Stores = open_stores(f"duckdb:///{path}")
    stores.catalog.add_site("example.com", "UTC", UMAMI_ID)
    shielded = stores.catalog.add_site("shielded.org", "UTC", "")
    rules = Shields(
        ("*.shielded.org", "shielded.org"), ("198.51.100.0/24",), ("US",), ("/admin/**",)
    )
    stores.catalog.set_shields(shielded.id, rules)
    return Pipeline(
        SiteCache(stores.catalog, ttl=3600),
        VisitorHasher(stores.catalog, lambda: NOW),
        GeoLocator(),
    )


_URLS = [
    "https://example.com/a?utm_source=news&utm_medium=email",
    "https://www.example.com/b#/x",
    "https://blog.example.com/p?gclid=1",
    "https://shielded.org/admin/panel",
    "https://shielded.org/pricing?ref=hn",
    "https://elsewhere.net/",
    "https://example.com/",
]
_REFERRERS = [
    "",
    "https://www.google.com/search?q=x",
    "https://example.com/self",
    "http://news.ycombinator.com/",
    "not a url",
    "https://www.bing.com/",
]
_requests = st.builds(
    IngestRequest,
    name=st.sampled_from(["pageview", "pageview", "Signup", ENGAGEMENT]),
    url=st.sampled_from(_URLS).map(urlsplit),
    timestamp=st.sampled_from([NOW, NOW - timedelta(hours=20), NOW - timedelta(days=3)]),
    ip=st.sampled_from(["8.8.8.8", "81.2.69.142", "198.51.100.7", "2001:db8::1", "10.0.0.1"]),
    user_agent=st.sampled_from([CHROME_UA, CHROME_UA, FIREFOX_UA, HEADLESS_UA, "curl/8.5.0", ""]),
    domain=st.sampled_from(["example.com", "shielded.org", "shielded.org", "unknown.net", ""]),
    site_id=st.none(),
    umami_website_id=st.sampled_from(
        ["", "", "", UMAMI_ID, "11111111-0000-0000-0000-000000000000"]
    ),
    referrer=st.sampled_from(_REFERRERS),
    props=st.sampled_from([{}, {"plan": "pro"}, {"engaged_ms": "1200", "scroll_depth": "140"}]),
    revenue=st.sampled_from([None, Revenue("9.9900", "EUR")]),
    interactive=st.booleans(),
    hash_mode=st.booleans(),
    screen_width=st.sampled_from([None, 0, 360, 800, 1600]),
    language=st.sampled_from(["", "de-DE"]),
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_requests, min_size=0, max_size=60))
def test_run_columns_is_run_all(pipeline: Pipeline, requests: list[IngestRequest]) -> None:
    asyncio.run(pipeline.prepare(requests))
    expected = pipeline.run_all(requests)
    for outcome in expected:
        event(str(outcome.dropped))
    columns, outcomes = run_columns(pipeline, requests)
    assert columns == EventColumns.of([o.event for o in expected if o.event is not None])
    assert outcomes == [KEPT if o.event is not None else o for o in expected]
    assert columns.events() == [o.event for o in expected if o.event is not None]


def test_every_drop_reason_and_step_is_met(pipeline: Pipeline) -> None:
    """The strategy above reaches every drop step, and kept events on both sites."""
    requests = [
        IngestRequest("pageview", urlsplit(u), NOW, ip, ua, domain=d, referrer=ref)
        for u, ip, ua, d, ref in [
            (_URLS[0], "8.8.8.8", CHROME_UA, "unknown.net", ""),
            (_URLS[0], "8.8.8.8", "curl/8.5.0", "example.com", ""),
            (_URLS[5], "81.2.69.142", CHROME_UA, "shielded.org", ""),
            (_URLS[3], "81.2.69.142", CHROME_UA, "shielded.org", ""),
            (_URLS[4], "198.51.100.7", CHROME_UA, "shielded.org", ""),
            (_URLS[4], "8.8.8.8", CHROME_UA, "shielded.org", ""),
            (_URLS[4], "81.2.69.142", CHROME_UA, "shielded.org", ""),
            (_URLS[0], "81.2.69.142", FIREFOX_UA, "example.com", _REFERRERS[1]),
        ]
    ]
    asyncio.run(pipeline.prepare(requests))
    columns, outcomes = run_columns(pipeline, requests)
    reasons = [o.dropped.value if o.dropped else None for o in outcomes]
    assert reasons == [
        "unknown_site",
        "bot_user_agent",
        "hostname_not_allowed",
        "page_excluded",
        "ip_excluded",
        "country_excluded",
        None,
        None,
    ]
    named = columns.named()
    assert named["hostname"] == ["shielded.org", "example.com"]
    assert named["referrer_source"] == ["Hacker News", "news"]  # the tags win
    assert named["utm_source"] == ["", "news"]
    assert named["country"] == ["GB", "GB"]
