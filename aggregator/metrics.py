"""Prometheus metrics. This module owns prometheus_client (the official client:
text exposition format, histograms, one registry per service so tests can run
several in one process).
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from .models import SourceState, UpdateResult


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.fetches = Counter("aggregator_fetches", "Source fetches by outcome",
                               ["outcome", "code"], registry=r)
        self.fetch_seconds = Histogram(
            "aggregator_fetch_duration_seconds", "Time for one source update",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120), registry=r)
        self.bytes = Counter("aggregator_fetched_bytes", "Body bytes received", registry=r)
        self.entries = Counter("aggregator_entries", "Entries stored", ["change"], registry=r)
        self.failing = Gauge("aggregator_sources_failing",
                             "Sources whose last attempt failed", registry=r)
        self.retired = Gauge("aggregator_sources_retired", "Sources retired (410 Gone)",
                             registry=r)
        self.last_success = Gauge("aggregator_source_last_success_timestamp_seconds",
                                  "Time of each source's last successful fetch", ["source"],
                                  registry=r)
        self.publish_seconds = Histogram(
            "aggregator_publish_duration_seconds", "Time to render all outputs",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=r)
        self.published_files = Counter("aggregator_published_files",
                                       "Output files rewritten", registry=r)

    def observe_fetch(self, result: UpdateResult) -> None:
        self.fetches.labels(result.outcome, result.error_code or "").inc()
        self.fetch_seconds.observe(result.duration)
        self.bytes.inc(result.bytes)
        self.entries.labels("new").inc(result.counts.new)
        self.entries.labels("updated").inc(result.counts.updated)

    def observe_states(self, states: Mapping[str, SourceState]) -> None:
        self.failing.set(sum(1 for s in states.values() if s.failures and not s.retired))
        self.retired.set(sum(1 for s in states.values() if s.retired))
        for source_id, state in states.items():
            if state.last_success is not None:
                self.last_success.labels(source_id).set(state.last_success.timestamp())

    def observe_publish(self, seconds: float, written: int) -> None:
        self.publish_seconds.observe(seconds)
        self.published_files.inc(written)

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))
