"""Property test: whatever query arrives, the stats API answers 200 or a 4xx error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footfall.config import load_settings
from footfall.sites_admin import Admin, parse_scopes
from footfall.stats.query import (
    EVENT_DIMENSIONS,
    METRICS,
    OPERATORS,
    TIME_DIMENSIONS,
    VISIT_DIMENSIONS,
)
from footfall.web.app import create_app
from tests.support import CHROME_UA, Clock

dimension = st.sampled_from(
    [*EVENT_DIMENSIONS, *VISIT_DIMENSIONS, *TIME_DIMENSIONS, "event:props:plan", "visit:nope", ""]
)
value = st.one_of(st.text(max_size=12), st.integers(), st.none())
condition = st.tuples(
    st.sampled_from([*OPERATORS, "equals"]),
    dimension,
    st.lists(st.one_of(st.text(max_size=8), st.sampled_from(["(", "[a-", "*"])), max_size=3),
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
query = st.fixed_dictionaries(
    {
        "site_id": st.just("example.com"),
        "metrics": st.lists(st.sampled_from([*METRICS, "nope"]), min_size=0, max_size=4),
        "date_range": st.one_of(
            st.sampled_from(["day", "7d", "30d", "month", "all", "9d"]),
            st.lists(
                st.sampled_from(["2026-03-01", "2026-03-09T10:00:00Z", "x", "2026-02-30"]),
                min_size=2,
                max_size=2,
            ),
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
        "pagination": st.fixed_dictionaries(
            {"limit": st.integers(-1, 20_000), "offset": st.integers(-1, 5)}
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


@pytest.fixture(scope="module")
def client_and_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    tmp: Path = tmp_path_factory.mktemp("stats-fuzz")
    app = create_app(
        load_settings(
            database_url=f"duckdb:///{tmp}/s.duckdb", secret_key="k" * 40, admin_token="a" * 40
        ),
        clock=Clock(),
    )
    admin = Admin(app.state.services.store, app.state.services.keys)
    admin.add_site("example.com")
    admin.add_goal("example.com", event="Signup")
    ingest = admin.create_key("example.com", parse_scopes("ingest")).key
    stats = admin.create_key("example.com", parse_scopes("stats")).key
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
        yield client, stats


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
