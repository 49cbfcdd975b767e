"""Deterministic generated traffic for the conformance suite.

Every backend must give the same answers for the same traffic (DESIGN §4). This module
makes that traffic from a seed; ``tests.conformance.oracle`` computes the answers from the
raw events alone, without Footfall's code, so the two can be compared.

The generator keeps to rules that make the answers unambiguous (see the oracle for the
metric rules themselves):

- Every visit lies inside one UTC day, between 01:00 and 22:30: Footfall's visitor id is a
  hash under a per-UTC-day salt, so a person counts once per day and no visit is cut in two
  by a salt change.
- Gaps inside a visit are 10 s to 20 min; a return visit starts 35 min to 3 h after the
  previous visit's last event. No gap falls near the 30 minute timeout, where Plausible
  (whole minutes, ``<= 30``) and DESIGN §3 (``< 30 min``) would disagree.
- A visit starts with a pageview; a visitor's timestamps strictly increase (whole seconds).
- Sources are chosen so their normalized names are predictable (``SOURCES``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

DEFAULT_SITE = "conformance.example"

# Real browser user agents; test_oracle checks that Footfall's bot filter lets them through.
BROWSER_UAS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
)
# Crawlers and scripts Footfall drops (bot_user_agent / headless_browser).
BOT_UAS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "curl/8.5.0",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/131.0.0.0 Safari/537.36",
)

PAGES = ("/", "/pricing", "/blog/a", "/blog/b", "/docs", "/about")
LANDING_WEIGHTS = (30, 15, 20, 15, 15, 5)


@dataclass(frozen=True)
class Source:
    """How a visit arrives, and the source name Footfall gives it ("" is Direct / None)."""

    referrer: str
    query: str  # UTM tags on the landing page, without "?"
    name: str
    utm_medium: str = ""
    utm_campaign: str = ""


# utm_source wins over the referrer (the "newsletter via t.co" row checks that precedence).
# "newsletter" and "partner" are no known alias, so Footfall keeps them as typed.
SOURCES = (
    (Source("", "", ""), 30),
    (Source("https://www.google.com/", "", "Google"), 25),
    (Source("https://news.ycombinator.com/item?id=1", "", "Hacker News"), 10),
    (Source("https://t.co/x", "", "Twitter"), 10),
    (
        Source(
            "",
            "utm_source=newsletter&utm_medium=email&utm_campaign=spring",
            "newsletter",
            "email",
            "spring",
        ),
        12,
    ),
    (
        Source(
            "https://t.co/x",
            "utm_source=newsletter&utm_medium=social&utm_campaign=launch",
            "newsletter",
            "social",
            "launch",
        ),
        5,
    ),
    (Source("", "utm_source=partner&utm_medium=referral", "partner", "referral"), 8),
)


@dataclass(frozen=True)
class RawEvent:
    timestamp: datetime  # aware, UTC
    ip: str
    user_agent: str
    url: str  # absolute: https://{site}{path}[?{query}]
    referrer: str
    name: str = "pageview"
    props: dict[str, str] = field(default_factory=dict)
    revenue: dict[str, str] | None = None
    interactive: bool = True
    is_bot: bool = False

    def to_json(self) -> dict[str, Any]:
        """One item of ``POST /api/v1/track/batch``."""
        return {
            "timestamp": self.timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ip": self.ip,
            "user_agent": self.user_agent,
            "url": self.url,
            "referrer": self.referrer,
            "name": self.name,
            "props": dict(self.props),
            "revenue": None if self.revenue is None else dict(self.revenue),
            "interactive": self.interactive,
        }


@dataclass
class Traffic:
    site: str
    start: date  # first generated UTC day
    end: date  # last generated UTC day
    events: list[RawEvent]  # in time order

    def humans(self) -> list[RawEvent]:
        return [e for e in self.events if not e.is_bot]

    def batches(self, size: int = 500) -> list[list[dict[str, Any]]]:
        """The events as ``{"events": [...]}`` item lists, in time order by person-day
        (all events of one UTC day, IP and UA in one batch): the orderly arrival."""
        groups: dict[tuple[date, str, str], list[RawEvent]] = {}
        for e in self.events:
            groups.setdefault((e.timestamp.date(), e.ip, e.user_agent), []).append(e)
        ordered = sorted(groups.values(), key=lambda g: (g[0].timestamp, g[0].ip, g[0].user_agent))
        out: list[list[dict[str, Any]]] = []
        current: list[dict[str, Any]] = []
        for group in ordered:
            if current and len(current) + len(group) > size:
                out.append(current)
                current = []
            current.extend(e.to_json() for e in group)
        if current:
            out.append(current)
        return out

    def shuffled_batches(self, seed: int, most: int = 200) -> list[list[dict[str, Any]]]:
        """The same events in a random order, cut into batches of random sizes: how
        retries, offline queues and imports deliver them. Visits must not change."""
        rng = random.Random(seed)
        items = [e.to_json() for e in rng.sample(self.events, len(self.events))]
        out: list[list[dict[str, Any]]] = []
        while items:
            size = rng.randint(1, most)
            out.append(items[:size])
            items = items[size:]
        return out


_DAY_OPEN = time(1, 0)
_DAY_CLOSE = time(22, 30)


def _url(site: str, path: str, query: str = "") -> str:
    return f"https://{site}{path}" + (f"?{query}" if query else "")


def _visit(
    rng: random.Random, site: str, ip: str, ua: str, start: datetime, close: datetime
) -> list[RawEvent]:
    """One visit: 1-6 pageviews, maybe custom events, all before ``close``."""
    source = rng.choices([s for s, _ in SOURCES], [w for _, w in SOURCES])[0]
    pageviews = rng.choices(range(1, 7), (35, 20, 15, 12, 10, 8))[0]
    path = rng.choices(PAGES, LANDING_WEIGHTS)[0]
    events: list[RawEvent] = []
    at = start
    page_url = _url(site, path, source.query)
    referrer = source.referrer
    for n in range(pageviews):
        if n:  # later pages: internal navigation, a self-referral Footfall ignores
            at += timedelta(seconds=rng.randint(10, 1200))
            if at > close:
                break
            referrer = page_url.split("?")[0]
            path = rng.choice(PAGES)
            page_url = _url(site, path)
        events.append(RawEvent(at, ip, ua, page_url, referrer))
        for custom in _customs(rng, path):
            at += timedelta(seconds=rng.randint(10, 1200))
            if at > close:
                return events
            name, props, revenue, interactive = custom
            events.append(
                RawEvent(at, ip, ua, page_url, referrer, name, props, revenue, interactive)
            )
    return events


def _customs(
    rng: random.Random, path: str
) -> list[tuple[str, dict[str, str], dict[str, str] | None, bool]]:
    """Custom events sent from the page just viewed (name, props, revenue, interactive)."""
    out: list[tuple[str, dict[str, str], dict[str, str] | None, bool]] = []
    if path == "/pricing" and rng.random() < 0.25:
        plan = rng.choice(("pro", "free"))
        out.append(("Signup", {"plan": plan}, None, True))
        if plan == "pro" and rng.random() < 0.5:
            amount = rng.choice(("49.00", "99.00"))
            out.append(("Purchase", {"plan": plan}, {"currency": "EUR", "amount": amount}, True))
    if path == "/docs" and rng.random() < 0.2:
        # Some downloads are sent as non-interactive, which must not un-bounce a visit.
        out.append(("Download", {"file": "guide.pdf"}, None, rng.random() < 0.6))
    if path == "/" and rng.random() < 0.12:
        out.append(("Video Autoplay", {}, None, False))
    return out


def _ip(n: int) -> str:
    return f"81.2.{n // 250 + 1}.{n % 250 + 1}"  # public, unique for n < 62,500


def generate(seed: int, days: int, end: date, site: str = DEFAULT_SITE) -> Traffic:
    """``days`` UTC days of traffic ending with ``end`` (inclusive); same seed, same events.

    People are (IP, UA) pairs; one in ten shares an IP with another person (a household
    behind one NAT) but never the UA, so they stay distinct visitors. Many people return
    on later days, where they count again (the visitor id changes every UTC day).
    """
    rng = random.Random(seed)
    start = end - timedelta(days=days - 1)
    people: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for n in range(1, 1500):
        ip = _ip(n if rng.random() > 0.1 or n < 3 else rng.randrange(1, n))
        person = (ip, rng.choice(BROWSER_UAS))
        if person not in seen:
            seen.add(person)
            people.append(person)
    events: list[RawEvent] = []
    for d in range(days):
        day = start + timedelta(days=d)
        opening = datetime.combine(day, _DAY_OPEN, UTC)
        close = datetime.combine(day, _DAY_CLOSE, UTC)
        for ip, ua in rng.sample(people, rng.randint(380, 520)):
            at = opening + timedelta(seconds=rng.randint(0, 19 * 3600))
            for _ in range(rng.choices((1, 2, 3), (70, 25, 5))[0]):
                visit = _visit(rng, site, ip, ua, at, close)
                events.extend(visit)
                at = visit[-1].timestamp + timedelta(seconds=rng.randint(35 * 60, 3 * 3600))
                if at > close - timedelta(minutes=30):
                    break
        for _ in range(rng.randint(20, 40)):  # crawlers: dropped by Footfall, never counted
            ua = rng.choice(BOT_UAS)
            ip = f"66.249.{rng.randint(64, 95)}.{rng.randint(1, 254)}"
            at = opening + timedelta(seconds=rng.randint(0, 21 * 3600))
            for _ in range(rng.randint(1, 5)):
                events.append(RawEvent(at, ip, ua, _url(site, rng.choice(PAGES)), "", is_bot=True))
                at += timedelta(seconds=rng.randint(1, 30))
    # Stable order: by time, then by person, then by the order generated (sort is stable).
    events.sort(key=lambda e: (e.timestamp, e.ip, e.user_agent))
    return Traffic(site, start, end, events)
