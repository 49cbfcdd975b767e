"""Property test: whatever query arrives, the stats API answers 200 or a 4xx error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footfall.sites import SiteManager, parse_scopes
from footfall.stats import v1
from footfall.stats.query import (
    EVENT_DIMENSIONS,
    METRICS,
    OPERATORS,
    TIME_DIMENSIONS,
    VISIT_DIMENSIONS,
)
from footfall.web.app import create_app
from tests.support import CHROME_UA, Clock, settings_for

# JSON may carry lone surrogates (as "\ud800" escapes); no UTF-8 writer takes them.
SURROGATES = st.sampled_from(["\ud800", "a\udfffb", "event:props:\udc00"])
dimension = st.one_of(
    st.sampled_from(
        [
            *EVENT_DIMENSIONS,
            *VISIT_DIMENSIONS,
            *TIME_DIMENSIONS,
            "event:props:plan",
            "visit:nope",
            "",
        ]
    ),
    SURROGATES,
)
value = st.one_of(st.text(max_size=12), st.integers(), st.none(), SURROGATES)
condition = st.tuples(
    st.sampled_from([*OPERATORS, "equals"]),
    dimension,
    st.lists(
        st.one_of(st.text(max_size=8), st.sampled_from(["(", "[a-", "*"]), SURROGATES), max_size=3
    ),
).map(list)
filter_ = st.recursive(
    condition,
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(["and", "or"]), st.lists(inner, min_size=1, max_size=3)).map(
            list
        ),
        st.tuples(st.just("not"), inner).map(list),
    ),
    max_leaves=4,
)
day = st.one_of(
    st.sampled_from(["2026-03-01", "2026-03-09T10:00:00Z", "x", "2026-02-30", "1999-12-31"]),
    st.dates().map(date.isoformat),
    st.datetimes().map(datetime.isoformat),
)
query = st.fixed_dictionaries(
    {
        "site_id": st.just("example.com"),
        "metrics": st.lists(st.sampled_from([*METRICS, "nope"]), min_size=0, max_size=4),
        "date_range": st.one_of(
            st.sampled_from(["day", "7d", "30d", "month", "all", "9d"]),
            st.lists(day, min_size=2, max_size=2),
            st.lists(day, max_size=3),
            value,
            st.dictionaries(st.text(max_size=4), day, max_size=2),
        ),
    },
    optional={
        "dimensions": st.lists(dimension, max_size=3),
        "filters": st.lists(filter_, max_size=3),
        "order_by": st.lists(
            st.tuples(
                st.sampled_from(["visitors", "time:day", "x"]),
                st.sampled_from(["asc", "desc", "up"]),
            ).map(list),
            max_size=2,
        ),
        "pagination": st.one_of(
            st.fixed_dictionaries(
                {
                    "limit": st.one_of(st.integers(-1, 20_000), st.booleans(), value),
                    "offset": st.one_of(st.integers(-1, 5), st.integers(-(2**65), 2**65), value),
                }
            ),
            value,
        ),
        "include": st.fixed_dictionaries(
            {},
            optional={
                "time_labels": st.booleans(),
                "total_rows": st.booleans(),
                "comparisons": st.one_of(
                    value,
                    st.fixed_dictionaries(
                        {"mode": st.sampled_from(["previous_period", "year_over_year", "x"])}
                    ),
                ),
            },
        ),
    },
)


@contextmanager
def fuzz_app(tmp: Path) -> Iterator[tuple[TestClient, SiteManager]]:
    """A started app on a fresh store: example.com with a Signup goal and two events."""
    app = create_app(
        settings_for(tmp),
        clock=Clock(),
    )
    admin = SiteManager(app.state.services.stores, app.state.services.keys)
    admin.add_site("example.com")
    admin.add_goal("example.com", event="Signup")
    ingest = admin.create_key("example.com", parse_scopes("ingest")).key
    with TestClient(app) as client:
        client.post(
            "/api/v1/track/batch",
            headers={"x-api-key": ingest},
            json={
                "events": [
                    {
                        "url": f"https://example.com/{p}",
                        "user_agent": CHROME_UA,
                        "ip": "81.2.69.1",
                        "timestamp": "2026-03-09T10:00:00Z",
                        "name": n,
                        "props": {"plan": "pro"},
                    }
                    for p, n in (("a", "pageview"), ("b", "Signup"))
                ]
            },
        )
        yield client, admin


@pytest.fixture(scope="module")
def client_and_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    with fuzz_app(tmp_path_factory.mktemp("stats-fuzz")) as (client, admin):
        yield client, admin.create_key("example.com", parse_scopes("stats")).key


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=query)
def test_v2_query_never_5xx(
    client_and_key: tuple[TestClient, str], body: dict[str, object]
) -> None:
    client, key = client_and_key
    r = client.post(
        "/api/v2/query", headers={"authorization": f"Bearer {key}"}, content=json.dumps(body)
    )
    assert r.status_code in (200, 400), r.text
    if r.status_code == 400:
        assert r.json()["error"] == "invalid_query" or r.json()["error"] == "invalid_input"
        assert set(r.json()) == {"error", "detail", "field"}


# --- v1 and GET /stats: arbitrary query strings ---------------------------------------
DATES = ["2026-03-01", "2026-03-10", "2000-01-01", "1999-12-31", "2031-12-31", "2032-01-01"]
ODD_DATES = ["9999-12-31", "0001-01-01", "2026-02-30", "", "x", "2026-03-01,2026-03-09"]
a_date = st.sampled_from([*DATES, *ODD_DATES])
junk = st.one_of(st.text(max_size=20), st.integers(-(2**70), 2**70).map(str))


def param(*focused: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Mostly values the parameter means, sometimes anything."""
    return st.one_of(*focused, junk)


v1_params = st.fixed_dictionaries(
    {},
    optional={
        "metrics": param(
            st.sampled_from(["visitors", "visitors,pageviews,bounce_rate", "events,nope", ","])
        ),
        "compare": param(st.just("previous_period")),
        "filters": param(
            st.sampled_from(
                ["event:page==/a|/b", "visit:source!=Google;event:page~a", "event:props:p==*"]
            )
        ),
        "interval": param(st.sampled_from(["day", "week", "month", "hour", "minute"])),
        "property": param(
            st.sampled_from(["event:page", "visit:source", "event:props:plan", "time"])
        ),
        "limit": param(st.sampled_from(["1", "1000", "1001", "0", "1e20", "1.5"])),
        "page": param(st.sampled_from(["1", "2", str(10**20), "1e20", "-1", "NaN"])),
        "other": junk,
    },
)
# period and date together: a custom range of two dates, or a period ending on a date
period_and_date = st.one_of(
    st.tuples(st.just("custom"), st.lists(a_date, min_size=2, max_size=2).map(",".join)),
    st.tuples(param(st.sampled_from([*v1.PERIODS, "all", "week"])), param(a_date)),
).map(lambda pd: {"period": pd[0], "date": pd[1]})
V1_ROUTES = [
    "/api/v1/stats/aggregate",
    "/api/v1/stats/timeseries",
    "/api/v1/stats/breakdown",
    "/api/v1/stats/realtime/visitors",
    "/stats",
]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    route=st.sampled_from(V1_ROUTES),
    params=v1_params,
    when=st.one_of(st.just({}), period_and_date),
    site=st.sampled_from(["example.com", "other.org", ""]),
)
def test_v1_and_summary_never_5xx(
    client_and_key: tuple[TestClient, str],
    route: str,
    params: dict[str, str],
    when: dict[str, str],
    site: str,
) -> None:
    client, key = client_and_key
    params = {**params, **when, "site_id": site, "site": site}
    r = client.get(route, params=params, headers={"authorization": f"Bearer {key}"})
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert set(r.json()) == {"error", "detail", "field"}, r.text
