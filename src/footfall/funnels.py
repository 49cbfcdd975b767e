"""Funnels as the operator manages them (management API, settings page, CLI) and as
the stats answer shapes them: visitors per step, conversion and drop-off.

A step is a custom event name or a page path pattern (the wildcards of goals); a
funnel has 2 to 8 of them. What the counts mean: docs/funnels.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from footfall.domain import Funnel, FunnelStep, Goal, Site, normalize_domain
from footfall.errors import InputError, NotFoundError
from footfall.stats.query import StatsQuery
from footfall.store.base import StatsEngine
from footfall.store.registry import Stores

MIN_STEPS, MAX_STEPS = 2, 8
MAX_NAME = 120
MAX_VALUE = 2000


def parse_step(raw: Any, index: int) -> FunnelStep:
    """``{"event_name": "Signup"}``, ``{"page_path": "/blog/**"}``, or the CLI's text
    forms ``event:Signup`` and ``page:/blog/**`` (a bare ``/path`` is a page)."""
    field = f"steps.{index}"
    if isinstance(raw, str):
        kind, sep, value = raw.partition(":")
        if raw.startswith("/"):
            kind, value = "page", raw
        elif not sep or kind not in ("event", "page"):
            raise InputError("a step is event:NAME or page:/PATH", field=field)
        raw = {"event_name": value} if kind == "event" else {"page_path": value}
    if not isinstance(raw, dict) or set(raw) - {"event_name", "page_path"}:
        raise InputError("a step is {event_name} or {page_path}", field=field)
    event = raw.get("event_name") or ""
    page = raw.get("page_path") or ""
    if not isinstance(event, str) or not isinstance(page, str) or bool(event) == bool(page):
        raise InputError("a step has exactly one of event_name or page_path", field=field)
    if len(event) > MAX_VALUE or len(page) > MAX_VALUE:
        raise InputError(f"a step is at most {MAX_VALUE} characters", field=field)
    if page and not page.startswith("/"):
        raise InputError("a page step's path starts with /", field=field)
    return FunnelStep(event.strip(), page.strip())


def parse_steps(raw: Any) -> tuple[FunnelStep, ...]:
    if not isinstance(raw, list) or not MIN_STEPS <= len(raw) <= MAX_STEPS:
        raise InputError(f"a funnel has {MIN_STEPS} to {MAX_STEPS} steps", field="steps")
    return tuple(parse_step(s, i) for i, s in enumerate(raw))


def step_json(step: FunnelStep) -> dict[str, Any]:
    return {
        "label": step.label,
        "event_name": step.event_name or None,
        "page_path": step.page_path or None,
    }


def funnel_json(funnel: Funnel, site: Site | None) -> dict[str, Any]:
    return {
        "id": funnel.id,
        "site": site.domain if site else None,
        "name": funnel.name,
        "steps": [step_json(s) for s in funnel.steps],
    }


@dataclass
class FunnelManager:
    stores: Stores

    def _site(self, domain: str) -> Site:
        site = self.stores.catalog.get_site(normalize_domain(domain))
        if site is None:
            raise NotFoundError(f"no site {domain}", field="site")
        return site

    def add(self, domain: str, name: Any, steps: Any) -> tuple[Funnel, Site]:
        site = self._site(domain)
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
            raise InputError(f"a funnel's name is 1 to {MAX_NAME} characters", field="name")
        return self.stores.catalog.add_funnel(site.id, name.strip(), parse_steps(steps)), site

    def list_json(self, domain: str | None = None) -> list[dict[str, Any]]:
        sites = {s.id: s for s in self.stores.catalog.list_sites()}
        site_id = self._site(domain).id if domain else None
        found = self.stores.catalog.list_funnels(site_id)
        return [funnel_json(f, sites.get(f.site_id)) for f in found]

    def get(self, site: Site, name: str) -> Funnel:
        for funnel in self.stores.catalog.list_funnels(site.id):
            if funnel.name == name:
                return funnel
        raise NotFoundError(f"no funnel {name!r} on {site.domain}", field="funnel")

    def remove(self, domain: str, name: str) -> None:
        if not self.stores.catalog.remove_funnel(self._site(domain).id, name):
            raise NotFoundError(f"no funnel {name!r} on {domain}", field="funnel")


def _rate(part: int, whole: int) -> float:
    return round(100 * part / whole, 2) if whole else 0.0


def shape(funnel: Funnel, counts: Sequence[int]) -> dict[str, Any]:
    """The engine's counts (visitors of the matching visits, then of each step) as the
    answer: per step its visitors, conversion from the first step and from the one
    before, and the drop-off from the one before (Plausible's funnel fields)."""
    everyone, reached = int(counts[0]), [int(c) for c in counts[1:]]
    steps = []
    for i, (step, visitors) in enumerate(zip(funnel.steps, reached, strict=True)):
        before = reached[i - 1] if i else visitors
        steps.append(
            {
                **step_json(step),
                "visitors": visitors,
                "conversion_rate": _rate(visitors, reached[0]),
                "conversion_rate_step": _rate(visitors, before),
                "dropoff": before - visitors,
                "dropoff_percentage": _rate(before - visitors, before),
            }
        )
    return {
        "name": funnel.name,
        "steps": steps,
        "all_visitors": everyone,
        "entering_visitors": reached[0],
        "entering_visitors_percentage": _rate(reached[0], everyone),
        "never_entering_visitors": everyone - reached[0],
        "conversion_rate": _rate(reached[-1], reached[0]),
    }


def run(
    engine: StatsEngine, q: StatsQuery, site: Site, funnel: Funnel, goals: Sequence[Goal]
) -> dict[str, Any]:
    return shape(funnel, engine.funnel(q, site, funnel.steps, goals))
