"""Generated traffic for the dashboard tests and screenshots: deterministic, varied,
sent through the real ingest API (``/api/v1/track/batch``) with historical timestamps."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from tests.support import CHROME_UA, IPHONE_UA

FIREFOX_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
MAC_SAFARI_UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15"
)
HOSTILE_PATH = "/<script>alert(1)</script>"
# A value a spreadsheet would run as a formula, unless the export defuses it.
FORMULA = '=HYPERLINK("http://evil.example","x")'
REFERRERS = [
    "https://www.google.com/",
    "https://www.google.com/",
    "https://news.ycombinator.com/item?id=1",
    "https://twitter.com/someone/status/1",
    "https://github.com/footfall/footfall",
    "",
    "",
]
PAGES = ["/", "/pricing", "/blog", "/blog/launch", "/docs", "/docs/install", "/about"]
UAS = [CHROME_UA, CHROME_UA, IPHONE_UA, FIREFOX_UA, MAC_SAFARI_UA]
# Public addresses the offline geo table places in different countries.
IP_PREFIXES = ["81.2.69.", "8.8.8.", "5.9.0.", "77.88.8.", "1.1.1.", "151.101.1."]


def events(domain: str, now: datetime, visitors: int = 400, days: int = 60) -> list[dict[str, Any]]:
    """About two events per visitor spread over ``days`` before ``now``; the last
    visitor lands on the hostile path a minute ago (so realtime has someone too)."""
    rng = random.Random(6)
    out: list[dict[str, Any]] = []
    for v in range(visitors):
        start = now - timedelta(seconds=rng.uniform(120, days * 86400))
        ip = f"{rng.choice(IP_PREFIXES)}{v % 250 + 1}"
        ua = rng.choice(UAS)
        referrer = rng.choice(REFERRERS)
        query = ""
        if rng.random() < 0.2:
            query = "?utm_source=newsletter&utm_medium=email&utm_campaign=spring"
        elif rng.random() < 0.05:
            query = "?utm_campaign=%3D1%2B1"  # "=1+1": must be defused in the CSV
        for step in range(rng.choice([1, 1, 2, 3])):
            event: dict[str, Any] = {
                "url": f"https://{domain}{rng.choice(PAGES)}{query if step == 0 else ''}",
                "ip": ip,
                "user_agent": ua,
                "timestamp": (start + timedelta(seconds=45 * step)).isoformat(),
                "screen_width": rng.choice([390, 1440, 1920]),
            }
            if step == 0 and referrer:
                event["referrer"] = referrer
            out.append(event)
        if rng.random() < 0.15:
            plan = rng.choice(["free", "pro", FORMULA])
            out.append(
                {
                    "url": f"https://{domain}/pricing",
                    "name": "Signup",
                    "props": {"plan": plan},
                    "ip": ip,
                    "user_agent": ua,
                    "timestamp": (start + timedelta(seconds=200)).isoformat(),
                }
            )
    out.append(
        {
            "url": f"https://{domain}{HOSTILE_PATH}",
            "ip": "203.0.113.66",
            "user_agent": CHROME_UA,
            "referrer": "https://www.google.com/",
            "timestamp": (now - timedelta(seconds=60)).isoformat(),
        }
    )
    return sorted(out, key=lambda e: str(e["timestamp"]))
