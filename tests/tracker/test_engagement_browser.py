"""script.engagement.js in Chromium: a visitor scrolls to a known depth, stays, leaves
by a link; the stats API reports the time within a second and the depth within a
percent."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, sync_playwright

from tests.support import CHROME_UA, CHROMIUM, CHROMIUM_ARGS, Live
from tests.tracker.conftest import Site, eventually
from tests.tracker.test_browser import Stats

# 720 px of viewport over a 7,200 px page: scrolled to 2,880 px, the bottom of the
# view is at half the page.
LONG = '<style>body{margin:0}</style><div style="height:7200px"></div>'
STAY = 4.0  # seconds


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium sends a request that outlives its page (the engagement event, sent as
    the page is left) with the browser's own user agent, not the context's: headless
    Chromium's, which ingest drops as a headless browser. Here the browser's is an
    ordinary Chrome's, as a visitor's is."""
    with sync_playwright() as pw:
        args = [*CHROMIUM_ARGS, f"--user-agent={CHROME_UA}"]
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=args)
        yield chromium
        chromium.close()


def test_engaged_time_and_scroll_depth_reach_the_api(
    live: Live, site: Site, context: BrowserContext
) -> None:
    stats = Stats(live)
    page = context.new_page()
    url = site.page("/article", LONG, script="script.engagement.js")
    following = site.page("/next", script="script.engagement.js")
    started = time.monotonic()
    page.goto(url)
    page.wait_for_function("window.footfall && !window.footfall.q")
    for y in (1000, 2880, 300):  # the deepest point seen counts
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_function(f"window.scrollY == {y}")
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    time.sleep(STAY)
    page.goto(following)  # leaving by a link: the page is hidden, its engagement sent
    left = time.monotonic() - started

    def article() -> list[Any]:
        rows = stats.query(
            metrics=["pageviews", "visits", "time_on_page", "scroll_depth"],
            dimensions=["event:page"],
        )
        return next(r["metrics"] for r in rows if r["dimensions"] == ["/article"])

    eventually(lambda: article()[3] is not None, True)
    pageviews, visits, seconds, depth = article()
    assert (pageviews, visits) == (1, 1)  # the engagement event is neither
    assert STAY - 1 <= seconds <= left + 1, (seconds, left)
    assert abs(depth - 50) <= 1, depth
    assert stats.totals("pageviews", "events") == [2, 2]
