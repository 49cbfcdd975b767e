"""The tracker in Debian's headless Chromium, asserted on what the stats API reports."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import BrowserContext

from tests.support import Live
from tests.tracker.conftest import Site, eventually


class Stats:
    """The v2 stats API for one site, as a site owner would read it."""

    def __init__(self, live: Live, domain: str = "shop.test") -> None:
        self.live, self.domain, self.key = live, domain, live.key(domain, "stats")

    def query(self, **body: Any) -> list[dict[str, Any]]:
        answer = self.live.query(self.key, {"site_id": self.domain, "date_range": "day", **body})
        results: list[dict[str, Any]] = answer["results"]
        return results

    def totals(self, *metrics: str) -> list[Any]:
        values: list[Any] = self.query(metrics=list(metrics))[0]["metrics"]
        return values

    def by(self, dimension: str, metric: str = "events", **body: Any) -> dict[str, Any]:
        rows = self.query(metrics=[metric], dimensions=[dimension], **body)
        return {r["dimensions"][0]: r["metrics"][0] for r in rows}

    def props(self, event: str, key: str) -> dict[str, Any]:
        return self.by(f"event:props:{key}", filters=[["is", "event:name", [event]]])


@pytest.fixture
def stats(live: Live, site: Site) -> Stats:
    return Stats(live)


def test_pageviews_on_load_and_on_single_page_app_navigation(
    site: Site, context: BrowserContext, stats: Stats
) -> None:
    page = context.new_page()
    page.goto(site.page("/"))
    page.wait_for_function("window.footfall && !window.footfall.q")
    page.evaluate("history.pushState({}, '', '/pricing')")
    page.evaluate("history.replaceState({}, '', '/pricing?plan=pro')")  # query only: no view
    page.evaluate("history.replaceState({}, '', '/signup')")
    page.evaluate("history.back()")  # popstate back to /
    eventually(lambda: stats.by("event:page", "pageviews"), {"/": 2, "/signup": 1, "/pricing": 1})
    assert stats.totals("visitors", "visits", "pageviews") == [1, 1, 4]


def test_hash_routes_are_pages_with_data_hash(
    site: Site, context: BrowserContext, stats: Stats
) -> None:
    page = context.new_page()
    page.goto(site.page("/app", hash="") + "#/inbox")
    page.wait_for_function("window.footfall && !window.footfall.q")
    page.evaluate("location.hash = '#/settings'")
    expected = {"/app#/inbox": 1, "/app#/settings": 1}
    eventually(lambda: stats.by("event:page", "pageviews"), expected)


def test_hash_changes_are_not_pages_without_data_hash(
    site: Site, context: BrowserContext, stats: Stats
) -> None:
    page = context.new_page()
    page.goto(site.page("/docs") + "#intro")
    page.wait_for_function("window.footfall && !window.footfall.q")
    page.evaluate("location.hash = '#usage'")
    page.goto(site.page("/done"))
    eventually(lambda: stats.by("event:page", "pageviews"), {"/docs": 1, "/done": 1})


def test_outbound_link_click_survives_the_navigation_it_starts(
    site: Site, context: BrowserContext, stats: Stats
) -> None:
    page = context.new_page()
    page.goto(site.page("/", '<a id="out" href="https://elsewhere.example/deal">deal</a>'))
    page.wait_for_function("window.footfall && !window.footfall.q")
    page.click("#out", no_wait_after=True)  # leaves the page at once; keepalive delivers
    outbound = "Outbound Link: Click"
    eventually(lambda: stats.props(outbound, "url"), {"https://elsewhere.example/deal": 1})


def test_file_downloads_with_default_and_configured_extensions(
    site: Site, context: BrowserContext, stats: Stats
) -> None:
    site.file("/files/report.pdf", "application/pdf")
    site.file("/files/talk.ics", "text/calendar")
    links = '<a id="pdf" href="/files/report.pdf">pdf</a><a id="ics" href="/files/talk.ics">ics</a>'
    page = context.new_page()
    page.goto(site.page("/", links))
    page.wait_for_function("window.footfall && !window.footfall.q")
    for link in ("#pdf", "#ics"):
        with page.expect_download():
            page.click(link)
    eventually(lambda: stats.props("File Download", "url"), {f"{site.url}/files/report.pdf": 1})
    # data-downloads lists the extensions to count instead of the defaults
    page.goto(site.page("/talks", links, downloads="ics, .epub"))
    page.wait_for_function("window.footfall && !window.footfall.q")
    for link in ("#pdf", "#ics"):
        with page.expect_download():
            page.click(link)
    expected = {f"{site.url}/files/report.pdf": 1, f"{site.url}/files/talk.ics": 1}
    eventually(lambda: stats.props("File Download", "url"), expected)


def test_switched_off_extensions_send_nothing(
    site: Site, context: BrowserContext, stats: Stats
) -> None:
    site.file("/files/report.pdf", "application/pdf")
    body = (
        '<a id="pdf" href="/files/report.pdf">pdf</a>'
        '<form action="/sent" method="post"><button id="send">send</button></form>'
        '<a id="out" href="https://elsewhere.example/" onclick="event.preventDefault()">out</a>'
    )
    off: dict[str, str | None] = {"downloads": "false", "forms": "false", "outbound": "false"}
    page = context.new_page()
    site.page("/sent")
    page.goto(site.page("/quiet", body, tag=off))
    page.wait_for_function("window.footfall && !window.footfall.q")
    with page.expect_download():
        page.click("#pdf")
    page.click("#send")
    page.wait_for_url("**/sent")
    page.goto(site.page("/quiet2", body, tag=off))
    page.click("#out")
    page.goto(site.page("/after"))
    eventually(lambda: stats.totals("pageviews"), [4])  # /quiet, /sent, /quiet2, /after
    assert stats.by("event:name") == {"pageview": 4}


def test_404_page_sends_a_404_event_with_its_path(
    site: Site, context: BrowserContext, stats: Stats
) -> None:
    site.page("/404", "<h1>Not found</h1>", status=404)
    page = context.new_page()
    response = page.goto(site.url + "/no/such/page")
    assert response is not None and response.status == 404
    eventually(lambda: stats.props("404", "path"), {"/no/such/page": 1})
    assert stats.by("event:page", "pageviews") == {"/no/such/page": 1}


def test_form_submission_is_counted_with_its_page(
    site: Site, context: BrowserContext, stats: Stats
) -> None:
    form = (
        '<form action="/thanks" method="post"><input name="email" value="a@b.c">'
        '<button id="send">Send</button></form>'
    )
    site.page("/thanks", "<p>Thanks</p>")
    page = context.new_page()
    page.goto(site.page("/contact", form))
    page.wait_for_function("window.footfall && !window.footfall.q")
    page.click("#send")
    page.wait_for_url("**/thanks")
    eventually(lambda: stats.props("Form: Submission", "path"), {"/contact": 1})
    assert stats.by("event:page", "pageviews") == {"/contact": 1, "/thanks": 1}


def test_custom_events_with_props_and_revenue_and_the_early_call_queue(
    site: Site, context: BrowserContext, stats: Stats
) -> None:
    early = "<script>footfall('Early', {props: {when: 'before load'}})</script>"
    buy = (
        "<button id='buy' onclick=\"footfall('Purchase', {props: {plan: 'pro'},"
        " revenue: {currency: 'EUR', amount: '29.90'}, callback: function (r) {"
        ' document.body.dataset.sent = r.status }})">Buy</button>'
    )
    page = context.new_page()
    page.goto(site.page("/checkout", buy, head=early))
    page.wait_for_function("window.footfall && !window.footfall.q")
    page.click("#buy")
    page.wait_for_function("document.body.dataset.sent == '202'")
    eventually(lambda: stats.by("event:name"), {"pageview": 1, "Early": 1, "Purchase": 1})
    assert stats.props("Early", "when") == {"before load": 1}
    assert stats.props("Purchase", "plan") == {"pro": 1}
    revenue = stats.query(
        metrics=["total_revenue", "average_revenue"],
        filters=[["is", "event:name", ["Purchase"]]],
    )
    assert revenue[0]["metrics"] == [29.9, 29.9]


def test_html_tagged_events_from_classes_and_data_attributes(
    site: Site, context: BrowserContext, stats: Stats
) -> None:
    body = (
        '<button id="signup" class="big footfall-event-name=Signup footfall-event-plan=free+tier">'
        "<span id='inner'>Sign up</span></button>"
        '<a id="docs" href="#api" data-event="Docs" data-event-props=\'{"section": "api"}\''
        ' data-event-revenue=\'{"currency": "USD", "amount": 5}\'>Docs</a>'
        '<button id="legacy" class="plausible-event-name=Legacy">old tag</button>'
    )
    page = context.new_page()
    page.goto(site.page("/", body))
    page.wait_for_function("window.footfall && !window.footfall.q")
    page.click("#inner")  # a click inside the tagged element counts
    page.click("#docs")
    page.click("#legacy")
    expected = {"pageview": 1, "Signup": 1, "Docs": 1, "Legacy": 1}
    eventually(lambda: stats.by("event:name"), expected)
    assert stats.props("Signup", "plan") == {"free tier": 1}
    assert stats.props("Docs", "section") == {"api": 1}
    docs = [["is", "event:name", ["Docs"]]]
    assert stats.query(metrics=["total_revenue"], filters=docs)[0]["metrics"] == [5.0]


def test_an_event_sent_while_the_page_unloads_arrives(
    site: Site, context: BrowserContext, stats: Stats
) -> None:
    leave = "<script>addEventListener('pagehide', function () { footfall('Leave') })</script>"
    page = context.new_page()
    page.goto(site.page("/article", head=leave))
    page.wait_for_function("window.footfall && !window.footfall.q")
    page.close(run_before_unload=True)  # the visitor closes the tab
    eventually(lambda: stats.by("event:name"), {"pageview": 1, "Leave": 1})


def test_excluded_paths_and_the_owner_opt_out(
    site: Site, context: BrowserContext, stats: Stats
) -> None:
    exclude: dict[str, str | None] = {"exclude": "/admin/*, /private/**"}
    page = context.new_page()
    for path in ("/admin/users", "/admin/users/edit", "/private/a/b", "/blog"):
        page.goto(site.page(path, tag=exclude))
        page.wait_for_function("window.footfall && !window.footfall.q")
    eventually(lambda: stats.by("event:page", "pageviews"), {"/admin/users/edit": 1, "/blog": 1})
    page.evaluate("localStorage.footfall_ignore = 'true'")
    page.goto(site.page("/while-opted-out"))
    page.evaluate("footfall('Probe', {callback: function (r) { document.title = r.ignored }})")
    page.wait_for_function("document.title == 'opted out'")
    page.evaluate("localStorage.removeItem('footfall_ignore')")
    page.goto(site.page("/back"))
    eventually(lambda: stats.totals("pageviews"), [3])
    assert "/while-opted-out" not in stats.by("event:page", "pageviews")


def test_localhost_and_automated_browsers_are_ignored_unless_told(
    site: Site, context: BrowserContext, stats: Stats
) -> None:
    probe = "footfall('Probe', {callback: function (r) { document.title = r.ignored }})"
    page = context.new_page()
    # Playwright's Chromium sets navigator.webdriver: an automated browser.
    page.goto(site.page("/robot", tag={"include-automation": None}))
    page.evaluate(probe)
    page.wait_for_function("document.title == 'automation'")
    # the same kind of page opened as 127.0.0.1 is localhost
    page.goto(site.page("/local").replace("shop.test", "127.0.0.1"))
    page.evaluate(probe)
    page.wait_for_function("document.title == 'localhost'")
    page.goto(site.page("/told", tag={"include-localhost": ""}).replace("shop.test", "127.0.0.1"))
    eventually(lambda: stats.by("event:page", "pageviews"), {"/told": 1})


def test_domain_lists_and_a_first_party_proxy(
    site: Site, live: Live, context: BrowserContext, stats: Stats
) -> None:
    live.admin.add_site("rollup.test")
    page = context.new_page()
    page.goto(site.page("/", domain="shop.test,rollup.test", api="/stats/event"))
    eventually(lambda: stats.totals("pageviews"), [1])
    assert Stats(live, "rollup.test").totals("pageviews") == [1]
    assert len(site.proxied) == 1  # through the site's own origin, not Footfall's


def test_nothing_is_stored_in_the_browser(
    site: Site, context: BrowserContext, stats: Stats
) -> None:
    page = context.new_page()
    page.goto(site.page("/", '<button onclick="footfall(\'Click\')" id="b">b</button>'))
    page.wait_for_function("window.footfall && !window.footfall.q")
    page.click("#b")
    eventually(lambda: stats.by("event:name"), {"pageview": 1, "Click": 1})
    assert context.cookies() == []
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
