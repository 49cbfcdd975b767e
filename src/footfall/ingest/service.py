"""The ingest core: requests -> pipeline -> write buffer, with per-event outcomes.

Nothing here knows about HTTP; the routes in ``web/ingest.py`` only translate.
"""

from __future__ import annotations

from collections.abc import Sequence

from footfall.domain import Event, EventColumns
from footfall.errors import OverloadedError
from footfall.ingest.buffer import WriteBuffer
from footfall.ingest.columns import run_columns
from footfall.ingest.drops import DropTally
from footfall.ingest.pipeline import Outcome, Pipeline
from footfall.ingest.request import IngestRequest
from footfall.metrics import Metrics


class Ingestor:
    def __init__(self, pipeline: Pipeline, buffer: WriteBuffer, metrics: Metrics) -> None:
        self.pipeline = pipeline
        self.buffer = buffer
        self.metrics = metrics
        self.drops = DropTally()  # per site, for its settings (Services.flush_drops)

    async def ingest(
        self, requests: Sequence[IngestRequest], endpoint: str, *, columns: bool = False
    ) -> list[Outcome]:
        """Enrich every request, commit the kept events together, report each outcome.

        Returns only after the commit; raises OverloadedError when the buffer is full
        (then nothing of this call was stored). With ``columns`` (batches) the events
        are enriched as columns (``ingest/columns.py``), and a kept event's outcome is
        ``KEPT``, without the event.
        """
        try:
            self.buffer.ensure_room(len(requests))
            await self.pipeline.prepare(requests)
            events: Sequence[Event] | EventColumns
            if columns:
                events, outcomes = run_columns(self.pipeline, requests)
            else:
                outcomes = self.pipeline.run_all(requests)
                events = [o.event for o in outcomes if o.event is not None]
            await self.buffer.submit(events)
        except OverloadedError:
            self.metrics.overloaded.inc()
            raise
        if events:
            self.metrics.accepted.labels(endpoint).inc(len(events))
        for o in outcomes:
            if o.dropped is not None:
                self.metrics.dropped.labels(o.dropped.value).inc()
                if o.site_id:
                    self.drops.add(o.site_id, o.dropped.value)
        return outcomes
