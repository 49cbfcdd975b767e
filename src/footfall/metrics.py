"""Prometheus metrics of one app instance (own registry, so tests can build many)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from footfall.store.base import ApplyHealth

_FLUSH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class _StepTimes(Collector):
    def __init__(self, read: Callable[[], dict[str, int]]) -> None:
        self._read = read

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "footfall_pipeline_step_seconds",
            "Time spent in each enrichment step.",
            labels=["step"],
        )
        for step, ns in self._read().items():
            family.add_metric([step], ns / 1e9)
        yield family


class _StoreHealth(Collector):
    def __init__(self, read: Callable[[], ApplyHealth]) -> None:
        self._read = read

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        h = self._read()
        yield GaugeMetricFamily(
            "footfall_store_unapplied_events",
            "Committed events in the journal, not yet in the store's tables.",
            value=h.unapplied_events,
        )
        yield GaugeMetricFamily(
            "footfall_store_apply_failing",
            "1 while committed events cannot be moved into the store (full disk, ...).",
            value=int(h.failing),
        )
        yield CounterMetricFamily(
            "footfall_store_apply_failures", "Failed attempts to apply events.", h.failures
        )
        yield CounterMetricFamily(
            "footfall_store_backpressure_waits",
            "Journal appends that waited for the apply to catch up (its backlog was full).",
            h.backpressure_waits,
        )
        yield CounterMetricFamily(
            "footfall_store_apply_crashes",
            "Times the apply thread died and was restarted.",
            h.crashes,
        )


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "footfall_http_requests", "HTTP requests.", ["route", "method", "status"], registry=r
        )
        self.accepted = Counter(
            "footfall_events_accepted", "Events committed to the store.", ["endpoint"], registry=r
        )
        self.dropped = Counter(
            "footfall_events_dropped", "Events dropped by the pipeline.", ["reason"], registry=r
        )
        self.rejected = Counter(
            "footfall_events_rejected", "Events refused as invalid input.", ["endpoint"], registry=r
        )
        self.buffer_depth = Gauge(
            "footfall_buffer_depth", "Events accepted but not yet committed.", registry=r
        )
        self.flush_seconds = Histogram(
            "footfall_flush_seconds",
            "Write-buffer flush latency.",
            buckets=_FLUSH_BUCKETS,
            registry=r,
        )
        self.flush_events = Histogram(
            "footfall_flush_events",
            "Events per flush.",
            buckets=(1, 10, 100, 500, 1000, 2500, 5000, 10000),
            registry=r,
        )
        self.overloaded = Counter(
            "footfall_ingest_overloaded", "Ingest requests refused with 503.", registry=r
        )
        # email (footfall/mail/outbox.py): this replica's attempts
        self.mail = Counter(
            "footfall_mail",
            "Mail sending attempts: sent, retry, given_up.",
            ["outcome"],
            registry=r,
        )

    def watch_steps(self, read: Callable[[], dict[str, int]]) -> None:
        self.registry.register(_StepTimes(read))

    def watch_store(self, read: Callable[[], ApplyHealth]) -> None:
        self.registry.register(_StoreHealth(read))
