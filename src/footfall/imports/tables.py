"""The imported tables: Plausible's ``imported_*`` (its CSV export writes one file per
table), as (dimension columns, metric columns). Every table also has ``site_id``,
``import_digest`` (the import it came with) and ``date`` (the site's local day).

Columns as Plausible's export writes them (lib/plausible/exports.ex, 2025); a column
an older export lacks is empty (dimensions) or 0 (metrics).
"""

from __future__ import annotations

from dataclasses import dataclass

_SESSION = ("visitors", "visits", "visit_duration", "bounces", "pageviews")


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    dimensions: tuple[str, ...]
    metrics: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.dimensions, *self.metrics)


TABLES = {
    t.name: t
    for t in (
        Table(
            "imported_visitors",
            (),
            ("visitors", "pageviews", "bounces", "visits", "visit_duration"),
        ),
        Table(
            "imported_sources",
            (
                "source",
                "referrer",
                "utm_source",
                "utm_medium",
                "utm_campaign",
                "utm_content",
                "utm_term",
            ),
            ("pageviews", "visitors", "visits", "visit_duration", "bounces"),
        ),
        Table(
            "imported_pages",
            ("hostname", "page"),
            (
                "visits",
                "visitors",
                "pageviews",
                "total_scroll_depth",
                "total_scroll_depth_visits",
                "total_time_on_page",
                "total_time_on_page_visits",
            ),
        ),
        Table(
            "imported_entry_pages",
            ("entry_page",),
            ("visitors", "entrances", "visit_duration", "bounces", "pageviews"),
        ),
        Table(
            "imported_exit_pages",
            ("exit_page",),
            ("visitors", "visit_duration", "exits", "bounces", "pageviews"),
        ),
        Table("imported_custom_events", ("name", "link_url", "path"), ("visitors", "events")),
        Table("imported_locations", ("country", "region", "city"), _SESSION),
        Table("imported_devices", ("device",), _SESSION),
        Table("imported_browsers", ("browser", "browser_version"), _SESSION),
        Table(
            "imported_operating_systems",
            ("operating_system", "operating_system_version"),
            _SESSION,
        ),
    )
}
