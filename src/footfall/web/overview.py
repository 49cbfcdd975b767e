"""The sites list's numbers: every listed site's last 24 hours from one statement
(StatsEngine.overview; stats/overview.py). The list never fails for them: when the
stats engine cannot answer (busy, down, too slow), the cards show no numbers."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from fastapi import Request

from footfall.domain import Site
from footfall.errors import FootfallError
from footfall.stats import overview
from footfall.store.base import StatsEngine
from footfall.web.deps import services, set_stats_caller, stats_read

log = logging.getLogger(__name__)


def _numbers(
    engine: StatsEngine, site_ids: Sequence[int], now: datetime
) -> dict[int, overview.SiteNumbers]:
    return overview.shape(engine.overview(site_ids, now), site_ids, now)


async def numbers(
    request: Request, sites: Sequence[Site], email: str
) -> dict[int, overview.SiteNumbers]:
    if not sites:
        return {}
    svc = services(request)
    set_stats_caller(request, f"user:{email}")
    try:
        return await stats_read(
            request, _numbers, svc.stores.stats, [s.id for s in sites], svc.clock()
        )
    except FootfallError as exc:
        log.warning("sites overview without numbers: %s", exc.detail)
        return {}
