"""The dashboard's first view arrives inside the page: the page asks for none of it."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Browser
from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from footfall.web import preload
from tests.support import Live
from tests.web.dashboard.browser import add_goal, generated, ingest, set_up_owner, wait_ready

DOMAIN = "example.com"


def test_the_script_element_cannot_be_closed_by_a_value() -> None:
    html = preload.script({"k": {"results": [{"dimensions": ["</script><script>alert(1)"]}]}})
    assert html.count("</script>") == 1
    assert "\\u003c/script>" in html


def test_first_view_follows_the_url() -> None:
    bodies = preload.first_view(QueryParams("period=bogus&f=is,visit:source,A,B"), 0)
    assert {b["date_range"] for b in bodies} == {"30d"}  # unknown period: the default
    assert bodies[0]["filters"] == [["is", "visit:source", ["A,B"]]]
    # top stats, chart, four panels, the map; no goals panel without goals
    assert len(bodies) == 7
    assert bodies[1]["dimensions"] == ["time:day"]
    hourly = preload.first_view(QueryParams("period=today&compare=0&metric=visits"), 2)
    assert hourly[1] == {
        "date_range": "today",
        "filters": [],
        "metrics": ["visits"],
        "dimensions": ["time:hour"],
        "include": {"time_labels": True},
    }
    assert hourly[-1]["dimensions"] == ["event:goal"]
    grouped = preload.first_view(
        QueryParams("f=a|is,event:page,/x&f=is,visit:os,Mac&f=a|is,event:name,S&f=a|is,event:page,/y"
                    "&f=b|is,visit:os,Linux&f=|is,bad,value"), 0
    )  # fmt: skip
    assert grouped[0]["filters"] == [
        ["or", [["is", "event:page", ["/x", "/y"]], ["is", "event:name", ["S"]]]],
        ["is", "visit:os", ["Mac"]],
        ["is", "visit:os", ["Linux"]],
    ]


def test_the_page_asks_nothing_for_its_first_view(live: Live, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.post_data or "") if "/query" in r.url else None)
    try:
        set_up_owner(page, live.url)
        add_goal(page, live.url, DOMAIN, "Signup")
        ingest(live, DOMAIN, generated(live, DOMAIN))
        today = live.svc.clock().date()
        views = [
            "",
            "?period=7d&f=is,visit:source,Google&metric=pageviews&compare=0",
            "?period=today",
            f"?period=custom&from={today - timedelta(days=9)}&to={today}&interval=week",
            "?period=12mo&interval=day",
            "?f=is,event:goal,Signup&metric=conversion_rate",  # the goal view's top stats
            "?f=is_not,visit:source,Google&f=is_not,visit:source,Twitter",  # several values
            "?compare=yoy&period=7d",
            # "or" groups (G|op,...), a goal inside one (the goal view), a group of one
            "?f=1|is,visit:source,Google&f=is,event:page,/&f=1|is,visit:browser,Firefox",
            "?f=2|is,event:goal,Signup&f=2|is,event:page,/pricing&f=3|is,visit:os,Mac",
            f"?compare=custom&cfrom={today - timedelta(days=50)}&cto={today - timedelta(days=40)}",
        ]
        # A busy machine: a read that cannot have its caller's slot at once is refused.
        # The first view's answers wait for theirs, so none of them is.
        patient, live.svc.reads.wait = live.svc.reads.wait, 0.0
        for view in views:
            asked.clear()
            page.goto(f"{live.url}/sites/{DOMAIN}{view}")
            wait_ready(page)
            assert asked == [], view
            assert page.locator("#list-pages .dash-row").count() > 0, view
        live.svc.reads.wait = patient
        # Later views are asked for as usual.
        page.select_option("#period", "30d")
        wait_ready(page)
        assert len(asked) >= 6
    finally:
        context.close()


def test_a_failing_preload_still_finishes_the_page() -> None:
    """The status line and the page's head are out before the answers: a failure there
    must not cut the page short (the script asks for what is missing)."""

    async def failing() -> str:
        raise RuntimeError("boom")

    async def page(_: Request) -> Response:
        shell = HTMLResponse(f"<html><head></head><body>{preload.MARKER}<p>end</p></body></html>")
        return preload.stream(shell, failing())

    with TestClient(Starlette(routes=[Route("/", page)])) as client:
        r = client.get("/")
    assert r.status_code == 200
    assert r.text == "<html><head></head><body><p>end</p></body></html>"
