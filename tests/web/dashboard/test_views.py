"""The dashboard's views beyond the first one, in Debian's headless Chromium: the goal
view, comparisons against nothing, details, the filter editor and the map. Numbers on
screen must be the stats API's numbers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page

from footfall.stats import metrics
from footfall.web import details
from tests.support import CHROME_UA, Live, watch_csp
from tests.web.dashboard.browser import (
    add_goal,
    add_site,
    generated,
    ingest,
    rows,
    set_up_owner,
    shoot,
    top_values,
    wait_ready,
)

DOMAIN = "acme.example"


@pytest.fixture
def owner(live: Live, browser: Browser) -> Iterator[tuple[Page, str]]:
    """The owner signed in on a site with a Signup goal and 60 days of traffic, and a
    stats key; the test fails on any page error or CSP violation."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    violations = watch_csp(context)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    set_up_owner(page, live.url)
    add_site(page, live.url, DOMAIN)
    add_goal(page, live.url, DOMAIN, "Signup")
    ingest(live, DOMAIN, generated(live, DOMAIN))
    yield page, live.key(DOMAIN, "stats")
    context.close()
    assert errors == []
    assert violations == []


def _open(page: Page, live: Live, view: str = "") -> None:
    """The site's dashboard at ``view`` (a query string), every panel drawn."""
    page.goto(f"{live.url}/sites/{DOMAIN}{view}")
    wait_ready(page)


def _api(live: Live, key: str, **body: Any) -> dict[str, Any]:
    return live.query(key, {"site_id": DOMAIN, **body})


def test_goal_filter_shows_conversions(live: Live, owner: tuple[Page, str], tmp_path: Path) -> None:
    page, key = owner
    _open(page, live, "?period=30d&f=is,event:goal,Signup")
    labels = page.eval_on_selector_all(".dash-stat-label", "els => els.map(e => e.textContent)")
    # no revenue in this traffic: no revenue stat
    assert labels == ["Unique conversions", "Total conversions", "Conversion rate"]
    goal = [["is", "event:goal", ["Signup"]]]
    expected = _api(live, key, metrics=list(metrics.GOAL_TOP), date_range="30d", filters=goal)
    assert top_values(page) == [float(v) for v in expected["results"][0]["metrics"][:3]]
    assert expected["results"][0]["metrics"][0] > 0
    _both_themes(page, tmp_path, "goal-view", ".dash-stat")
    # The chart follows a conversion metric; the URL keeps it.
    page.click('[data-metric="conversion_rate"]')
    wait_ready(page)
    assert "Conversion rate" in (page.text_content("#chart-title") or "")
    assert "metric=conversion_rate" in page.url


def test_no_change_figure_against_an_empty_period(live: Live, owner: tuple[Page, str]) -> None:
    """The traffic spans 60 days: twelve months against the twelve before show no
    change; the last 7 days against the 7 before do."""
    page, _ = owner
    _open(page, live, "?period=12mo")
    assert page.locator(".dash-stat-value").count() == len(metrics.TOP)
    assert page.locator(".dash-change").count() == 0
    _open(page, live, "?period=7d")
    assert page.locator(".dash-change").count() == len(metrics.TOP)


def _many_pages(live: Live, count: int) -> list[str]:
    """``count`` more pages, one visitor each, an hour ago: more rows than a page."""
    at = (live.svc.clock() - timedelta(hours=1)).isoformat()
    paths = [f"/p/{i}" for i in range(count)]
    events = [
        {"url": f"https://{DOMAIN}{path}", "ip": f"10.1.{i // 250}.{i % 250 + 1}",
         "user_agent": CHROME_UA, "timestamp": at}
        for i, path in enumerate(paths)
    ]  # fmt: skip
    ingest(live, DOMAIN, events)
    return paths


def _details_rows(page: Page) -> list[list[str | None]]:
    found: list[list[str | None]] = page.eval_on_selector_all(
        "#details-rows tr[data-label]",
        "trs => trs.map(tr => [tr.dataset.label,"
        " ...[...tr.querySelectorAll('td.dash-num')].map(td => td.dataset.value)])",
    )
    return found


def _as_text(results: list[dict[str, Any]]) -> list[list[str | None]]:
    """Rows as the table holds them (a null value has no data-value)."""
    return [
        [
            " ".join(map(str, r["dimensions"])),
            *(None if v is None else str(v) for v in r["metrics"]),
        ]
        for r in results
    ]


def _wait_rows(page: Page, count: int) -> None:
    """Exactly ``count`` rows in the details table (a selector: the CSP forbids eval)."""
    page.wait_for_selector(f"#details-rows tr:nth-child({count})")
    assert page.locator("#details-rows tr").count() == count


def _wait_details(page: Page) -> None:
    page.wait_for_selector('#details[data-ready="1"]', state="attached")


def _both_themes(page: Page, tmp_path: Path, name: str, ready: str) -> None:
    """Screenshots NAME-light and NAME-dark (the page reloaded in the dark scheme, then
    back in the light one), each once ``ready`` is on the page."""
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.reload()
        wait_ready(page)
        page.wait_for_selector(ready)
        shoot(page, tmp_path, f"{name}-{scheme}")
    page.emulate_media(color_scheme="light")
    page.reload()
    wait_ready(page)


def test_details_view_lists_searches_sorts_pages_and_exports(
    live: Live, owner: tuple[Page, str], tmp_path: Path
) -> None:
    page, key = owner
    _many_pages(live, 130)
    _open(page, live, "?period=7d")
    page.click("#details-pages")
    _wait_details(page)
    assert "details=event%3Apage" in page.url or "details=event:page" in page.url
    columns = list(details.columns("event:page", False))
    body = {"date_range": "7d", "metrics": columns, "dimensions": ["event:page"]}
    everything = _api(live, key, **body, include={"total_rows": True})
    total = everything["meta"]["total_rows"]
    assert total > 130
    assert page.text_content("#details-count") == f"100 of {total}"
    assert _details_rows(page) == _as_text(everything["results"][:100])
    page.click("#details-more")
    _wait_rows(page, total)
    assert _details_rows(page) == _as_text(everything["results"])

    # Search: a case-insensitive "contains", kept in the URL.
    page.fill("#details-search", "P/12")
    page.wait_for_url("**search=P%2F12*")
    _wait_details(page)
    search = [["contains", "event:page", ["P/12"], {"case_sensitive": False}]]
    found = _api(live, key, **body, filters=search)["results"]
    assert {r["dimensions"][0] for r in found} == {"/p/12", *(f"/p/{i}" for i in range(120, 130))}
    _wait_rows(page, len(found))
    assert _details_rows(page) == _as_text(found)

    # Sort by a column (asc on the second click), in the URL.
    page.click('#details-head button[data-sort="pageviews"]')
    page.wait_for_url("**order=pageviews%2Cdesc*")
    _wait_details(page)
    page.click('#details-head button[data-sort="pageviews"]')
    page.wait_for_url("**order=pageviews%2Casc*")
    _wait_details(page)
    ordered = _api(live, key, **body, filters=search, order_by=[["pageviews", "asc"]])
    assert _details_rows(page) == _as_text(ordered["results"])

    # The CSV is the view: same rows, same order, every one of them.
    href = page.get_attribute("#details-csv", "href")
    assert href is not None
    csv = page.request.get(f"{live.url}{href}")
    assert csv.ok
    lines = [line.split(",") for line in csv.text().splitlines()]
    assert lines[0] == ["page", *columns]
    assert [line[0] for line in lines[1:]] == [r["dimensions"][0] for r in ordered["results"]]

    # The URL reopens the same view; a row filters the dashboard and closes it.
    page.reload()
    wait_ready(page)
    _wait_details(page)
    assert page.input_value("#details-search") == "P/12"
    assert _details_rows(page) == _as_text(ordered["results"])
    _both_themes(page, tmp_path, "details", '#details[data-ready="1"]')
    _wait_details(page)
    page.click('#details-rows tr[data-label="/p/125"] button')
    wait_ready(page)
    assert not page.is_visible("#details")
    assert "details=" not in page.url
    assert page.text_content(".dash-chip > span") == "Page is /p/125"


def test_version_tabs_break_down_by_browser_and_version(
    live: Live, owner: tuple[Page, str]
) -> None:
    page, key = owner
    _open(page, live)
    page.click("#panel-devices [role=tab] >> text=Browser versions")
    page.wait_for_selector('#list-devices[data-dimension="visit:browser_version"]')
    expected = _api(
        live,
        key,
        date_range="30d",
        metrics=["visitors"],
        dimensions=["visit:browser", "visit:browser_version"],
        pagination={"limit": 9},
    )
    wanted = [(" ".join(r["dimensions"]), float(r["metrics"][0])) for r in expected["results"]]
    assert rows(page, "devices") == wanted
    first = expected["results"][0]["dimensions"]
    page.click("#list-devices button.dash-row >> nth=0")
    wait_ready(page)
    chips = page.eval_on_selector_all(".dash-chip > span", "els => els.map(e => e.textContent)")
    assert chips == [f"Browser is {first[0]}", f"Browser version is {first[1]}"]
    for label in ("Screen sizes", "Referrers", "UTM content", "UTM term", "OS versions"):
        panel = "devices" if label in ("Screen sizes", "OS versions") else "sources"
        page.click(f"#panel-{panel} [role=tab] >> text={label}")
        page.wait_for_selector(f"#list-{panel}:not([aria-busy])")


def _chips(page: Page) -> list[str]:
    found: list[str] = page.eval_on_selector_all(
        ".dash-chip > span", "els => els.map(e => e.textContent)"
    )
    return found


def test_filter_editor_builds_an_is_not_filter_with_several_values(
    live: Live, owner: tuple[Page, str], tmp_path: Path
) -> None:
    page, key = owner
    _open(page, live)
    page.click("#add-filter")
    page.select_option("#fe-dim", "visit:source")
    page.select_option("#fe-op", "is_not")
    page.fill(".fe-value >> nth=0", "Google")
    page.click("#fe-add")
    page.fill(".fe-value >> nth=1", "Hacker News")
    shoot(page, tmp_path, "filter-editor-light")
    page.emulate_media(color_scheme="dark")  # the theme follows the system live
    # A selector, not wait_for_function: its polling evaluates a string, which the
    # dashboard's CSP (no 'unsafe-eval') refuses whenever the first check is false.
    page.wait_for_selector("html[data-theme=dark]", state="attached")
    shoot(page, tmp_path, "filter-editor-dark")
    page.emulate_media(color_scheme="light")
    page.click("#fe-apply")
    wait_ready(page)
    assert _chips(page) == ["Source is not Google nor Hacker News"]
    assert parse_qs(urlsplit(page.url).query)["f"] == [
        "is_not,visit:source,Google",
        "is_not,visit:source,Hacker News",
    ]
    wanted = [["is_not", "visit:source", ["Google", "Hacker News"]]]
    top = _api(live, key, date_range="30d", metrics=list(metrics.TOP), filters=wanted)
    assert top_values(page) == [float(v) for v in top["results"][0]["metrics"]]
    unfiltered = _api(live, key, date_range="30d", metrics=["visitors"])["results"][0]
    assert top["results"][0]["metrics"][0] < unfiltered["metrics"][0]
    page.click("#panel-sources [role=tab] >> text=Sources")
    page.wait_for_selector('#list-sources[data-dimension="visit:source"]:not([aria-busy])')
    sources = {label for label, _ in rows(page, "sources")}
    assert sources and not sources & {"Google", "Hacker News"}

    # The chip opens the editor on the filter: now "does not contain" a value.
    page.click(".dash-chip-edit")
    assert page.input_value("#fe-op") == "is_not"
    page.select_option("#fe-op", "contains_not")
    page.click(".dash-editor-value >> nth=1 >> button")  # drop "Hacker News"
    page.fill(".fe-value >> nth=0", "oo")
    page.click("#fe-apply")
    wait_ready(page)
    assert _chips(page) == ["Source does not contain oo"]
    wanted = [["contains_not", "visit:source", ["oo"]]]
    top = _api(live, key, date_range="30d", metrics=list(metrics.TOP), filters=wanted)
    assert top_values(page) == [float(v) for v in top["results"][0]["metrics"]]

    # A second filter on another dimension; the URL restores both.
    page.click("#add-filter")
    page.select_option("#fe-dim", "visit:country_name")
    page.select_option("#fe-op", "is")
    page.fill(".fe-value >> nth=0", "Germany")
    page.click("#fe-apply")
    wait_ready(page)
    page.reload()
    wait_ready(page)
    assert _chips(page) == ["Source does not contain oo", "Country is Germany"]
    wanted.append(["is", "visit:country_name", ["Germany"]])
    top = _api(live, key, date_range="30d", metrics=list(metrics.TOP), filters=wanted)
    assert top_values(page) == [float(v) for v in top["results"][0]["metrics"]]


def _changes(page: Page) -> list[float | None]:
    """Each top stat's change as drawn (None: no change shown)."""
    found: list[float | None] = page.eval_on_selector_all(
        ".dash-stat",
        "els => els.map(e => { const c = e.querySelector('.dash-change');"
        " return c ? Number(c.dataset.change) : null; })",
    )
    return found


def test_comparison_menu_year_over_year_and_custom_range(
    live: Live, owner: tuple[Page, str]
) -> None:
    page, key = owner
    _open(page, live, "?period=7d")
    top = list(metrics.TOP)

    def expected(mode: dict[str, Any]) -> list[float | None]:
        """The API's changes, as the page shows them: none where the compared period
        had no visitors (the API answers Plausible's 100 there)."""
        body = {"date_range": "7d", "metrics": top, "include": {"comparisons": mode}}
        compared = _api(live, key, **body)["results"][0]["comparison"]
        if not compared["metrics"][top.index("visitors")]:
            return [None] * len(top)
        return [None if c is None else float(c) for c in compared["change"]]

    assert _changes(page) == expected({"mode": "previous_period"})
    page.select_option("#compare", "year_over_year")
    wait_ready(page)
    assert parse_qs(urlsplit(page.url).query)["compare"] == ["yoy"]
    assert "the same period last year dashed" in (page.text_content("#chart-title") or "")
    assert _changes(page) == expected({"mode": "year_over_year"}) == [None] * len(top)

    today = live.svc.clock().date()
    days = [str(today - timedelta(days=40)), str(today - timedelta(days=30))]
    page.select_option("#compare", "custom")
    page.fill("#cfrom", days[0])
    page.fill("#cto", days[1])
    page.click("#apply-compare")
    wait_ready(page)
    state = parse_qs(urlsplit(page.url).query)
    assert (state["compare"], state["cfrom"], state["cto"]) == (["custom"], [days[0]], [days[1]])
    wanted = expected({"mode": "custom", "date_range": days})
    assert None not in wanted
    assert _changes(page) == wanted
    assert page.locator("#chart svg path.prev").count() == 1
    page.reload()
    wait_ready(page)
    assert page.input_value("#compare") == "custom"
    assert _changes(page) == wanted


def test_revenue_on_goal_rows_and_top_stats(live: Live, owner: tuple[Page, str]) -> None:
    """Revenue shows where there is some: a Purchase goal's row, the top stats, and the
    goal view of Purchase (not of Signup, which has none)."""
    page, key = owner
    add_goal(page, live.url, DOMAIN, "Purchase")
    at = live.svc.clock() - timedelta(hours=2)
    amounts = ["19.99", "5.01", "100"]
    ingest(
        live,
        DOMAIN,
        [
            {"url": f"https://{DOMAIN}/checkout", "name": "Purchase", "ip": f"10.9.0.{i + 1}",
             "user_agent": CHROME_UA, "timestamp": at.isoformat(),
             "revenue": {"amount": amount, "currency": "EUR"}}
            for i, amount in enumerate(amounts)
        ],
    )  # fmt: skip
    _open(page, live, "?period=7d")
    revenue = page.locator('[data-metric="total_revenue"] .dash-stat-value')
    assert revenue.get_attribute("data-value") == "125"
    assert revenue.text_content() == "125.00"
    heads = page.eval_on_selector_all(
        "#list-goals .dash-row-head .dash-num", "els => els.map(e => e.textContent)"
    )
    assert heads == ["Uniques", "Total", "CR", "Revenue"]
    purchase = page.locator('#list-goals button.dash-row[data-label="Purchase"] .dash-num')
    assert purchase.nth(3).get_attribute("data-value") == "125"
    signup = page.locator('#list-goals button.dash-row[data-label="Signup"] .dash-num')
    assert signup.nth(3).get_attribute("data-value") == "0"

    _open(page, live, "?period=7d&f=is,event:goal,Purchase")
    goal = [["is", "event:goal", ["Purchase"]]]
    expected = _api(live, key, metrics=list(metrics.GOAL_TOP), date_range="7d", filters=goal)
    assert top_values(page) == [float(v) for v in expected["results"][0]["metrics"]]
    assert expected["results"][0]["metrics"][-1] == 125.0
    _open(page, live, "?period=7d&f=is,event:goal,Signup")
    assert page.locator('[data-metric="total_revenue"]').count() == 0


def test_map_colours_countries_by_their_visitors(
    live: Live, owner: tuple[Page, str], tmp_path: Path
) -> None:
    page, key = owner
    geometry: list[str] = []
    page.on("request", lambda r: geometry.append(r.url) if "world-110m" in r.url else None)
    _open(page, live)
    page.wait_for_selector("#map svg path")
    # The page asks for the geometry while the server answers (a preload in its head),
    # and the script's fetch takes that download rather than starting another.
    assert len(geometry) == 1, geometry
    answer = _api(live, key, date_range="30d", metrics=["visitors"], dimensions=["visit:country"])
    expected = {r["dimensions"][0]: r["metrics"][0] for r in answer["results"]}
    expected.pop("(none)", None)
    assert len(expected) >= 3
    drawn = dict(
        page.eval_on_selector_all(
            "#map path",
            "ps => ps.map(p => [p.dataset.code, Number(p.dataset.visitors)])",
        )
    )
    assert len(drawn) > 150  # the world, not only the countries with visitors
    assert {c: v for c, v in drawn.items() if v} == expected
    top = max(expected, key=lambda c: expected[c])
    assert page.get_attribute(f'#map path[data-code="{top}"]', "class") == "l5"
    assert page.locator('#map path[data-code="AQ"]').count() == 0  # Antarctica: left out
    _both_themes(page, tmp_path, "map", "#map svg path")
    # A country filters the dashboard; the map follows the filter.
    page.click(f'#map path[data-code="{top}"]', force=True)
    wait_ready(page)
    assert _chips(page) == [f"Country is {top}"]
    page.wait_for_selector(f'#map path[data-code="{top}"][data-visitors="{expected[top]}"]')
    # Regions and cities say how to enable them (no city database in the tests).
    page.click("#panel-locations [role=tab] >> text=Regions")
    page.wait_for_selector("#city-hint")
    assert "FOOTFALL_GEOIP_DB" in (page.text_content("#city-hint") or "")
    assert not page.is_visible("#map")
    page.click("#panel-locations [role=tab] >> text=Countries")
    page.wait_for_selector('#list-locations[data-dimension="visit:country_name"]:not([aria-busy])')
    page.wait_for_selector("#map svg path")
    assert page.locator("#city-hint").count() == 0


def test_a_new_sites_time_zone_is_the_browsers(live: Live, browser: Browser) -> None:
    context = browser.new_context(timezone_id="Asia/Tokyo")
    page = context.new_page()
    try:
        set_up_owner(page, live.url)
        page.goto(f"{live.url}/sites")
        assert page.input_value("#timezone") == "Asia/Tokyo"
        page.fill("#domain", "tokyo.example")
        page.click("#add-site-form button[type=submit]")
        page.wait_for_url(f"{live.url}/sites/tokyo.example/settings**")
        site = live.svc.stores.catalog.get_site("tokyo.example")
        assert site is not None and site.timezone == "Asia/Tokyo"
    finally:
        context.close()


def test_property_picker_shows_only_with_properties(live: Live, owner: tuple[Page, str]) -> None:
    page, _ = owner
    _open(page, live, "?period=custom&from=2020-01-01&to=2020-01-02")  # before the traffic
    assert "No custom properties" in (page.text_content("#list-props") or "")
    assert not page.is_visible("#prop-key")  # no empty picker beside that sentence
    _open(page, live, "?period=30d")
    assert page.is_visible("#prop-key")
    assert page.locator("#prop-key option").count() >= 1
