"""Property tests: whatever a signed-in browser sends the dashboard (query bodies, URL
state), it answers < 500; JSON refusals have the error shape; pages finish."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footfall.accounts.models import Role
from footfall.accounts.service import AccountService
from footfall.web.access import SESSION_COOKIE
from tests.web.test_stats_fuzz import DATES, ODD_DATES, SURROGATES, filter_, fuzz_app, query

SHAPE = {"error", "detail", "field"}
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PERIODS = ["today", "yesterday", "7d", "30d", "month", "last_month", "6mo", "12mo", "all"]
body = st.one_of(
    query,
    query.map(lambda q: {**q, "date_range": "today"}),
    st.sampled_from(PERIODS).map(lambda p: {"metrics": ["visitors"], "date_range": p}),
    st.recursive(
        st.one_of(st.none(), st.integers(), st.text(max_size=8), SURROGATES),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=6,
    ),
)
url_value = st.one_of(
    st.text(max_size=16),
    st.sampled_from([*PERIODS, "custom", "hour", "day", "week", "0", *DATES, *ODD_DATES]),
    filter_.map(lambda f: ",".join(str(x) for x in f)),
    st.sampled_from(["is,visit:source,Google", "is,event:props:plan,pro", "is,nope", ","]),
)
a_date = st.sampled_from([*DATES, *ODD_DATES])
url_state = st.one_of(
    st.tuples(a_date, a_date, st.sampled_from(["hour", "day", "week", "month", "x"])).map(
        lambda t: urlencode({"period": "custom", "from": t[0], "to": t[1], "interval": t[2]})
    ),
    st.lists(
        st.tuples(
            st.sampled_from(
                ["period", "from", "to", "f", "interval", "metric", "compare", "prop", "x"]
            ),
            url_value.map(lambda v: v.encode("utf-8", "replace").decode()),
        ),
        max_size=8,
    ).map(urlencode),
    # what no encoder writes: bad escapes, bytes that are not UTF-8, a lone surrogate's
    st.lists(
        st.sampled_from(["period=custom", "from=%ED%A0%80", "to=%FF", "f=%zz", "&&", "=", "f"]),
        max_size=5,
    ).map("&".join),
)


@pytest.fixture(scope="module")
def signed_in(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    with fuzz_app(tmp_path_factory.mktemp("dashboard-fuzz")) as (client, _):
        accounts: AccountService = client.app.state.accounts  # type: ignore[attr-defined]
        owner = accounts.add_user("owner@example.com", "correct horse battery staple", Role.OWNER)
        token = accounts.start_session(owner)
        signed = accounts.signed_in(token)
        assert signed is not None
        client.cookies.set(SESSION_COOKIE, token)
        yield client, signed.csrf_token


@FUZZ
@given(raw=body)
def test_dashboard_query_never_5xx(signed_in: tuple[TestClient, str], raw: object) -> None:
    client, csrf = signed_in
    r = client.post(
        "/api/dashboard/example.com/query",
        content=json.dumps(raw),
        headers={"x-csrf-token": csrf, "content-type": "application/json"},
    )
    assert r.status_code in (200, 400), r.text
    if r.status_code == 400:
        assert set(r.json()) == SHAPE, r.text


@FUZZ
@given(
    route=st.sampled_from(["properties", "export", "realtime"]),
    params=url_state,
)
def test_dashboard_reads_never_5xx(
    signed_in: tuple[TestClient, str], route: str, params: str
) -> None:
    client, _ = signed_in
    r = client.get(f"/api/dashboard/example.com/{route}?{params}")
    assert r.status_code in (200, 400), r.text
    if r.status_code == 400:
        assert set(r.json()) == SHAPE, r.text


@FUZZ
@given(params=url_state)
def test_dashboard_page_is_whole_or_a_4xx_page(
    signed_in: tuple[TestClient, str], params: str
) -> None:
    client, _ = signed_in
    r = client.get(f"/sites/example.com?{params}", headers={"accept": "text/html"})
    assert r.status_code in (200, 400), r.text
    assert r.headers["content-type"].startswith("text/html")
    assert r.text.rstrip().endswith("</html>")  # streamed to its end, not cut off
    if r.status_code == 200:
        assert 'id="preloaded"' in r.text
