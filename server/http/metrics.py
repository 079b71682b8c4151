"""Prometheus metrics of one app (its own CollectorRegistry): HTTP, index and LLM."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class ServicesCollector(Collector):
    """Read at scrape time: index size and lag per workspace, LLM usage per provider."""

    def __init__(self, services) -> None:
        self._services = services

    def collect(self) -> Iterator[Metric]:
        yield from self._index()
        yield from self._llm()

    def _index(self) -> Iterator[Metric]:
        files = GaugeMetricFamily(
            "auro_index_files", "Files known to the index", labels=["workspace"]
        )
        chunks = GaugeMetricFamily("auro_index_chunks", "Chunks in the index", labels=["workspace"])
        embedded = GaugeMetricFamily(
            "auro_index_chunks_embedded", "Chunks with an embedding", labels=["workspace"]
        )
        lag_chunks = GaugeMetricFamily(
            "auro_index_lag_chunks", "Chunks waiting for an embedding", labels=["workspace"]
        )
        lag_files = GaugeMetricFamily(
            "auro_index_lag_files", "Files not yet fully embedded", labels=["workspace"]
        )
        complete = GaugeMetricFamily(
            "auro_index_complete", "1 when the index is complete", labels=["workspace"]
        )
        for workspace in self._services.workspaces:
            try:
                status = workspace.index.status()
            except Exception:  # a scrape must never fail because one index is unwell
                log.exception("index status failed for %s", workspace.root)
                continue
            label = [str(workspace.root)]
            files.add_metric(label, status.files_total)
            chunks.add_metric(label, status.chunks)
            embedded.add_metric(label, status.chunks_embedded)
            lag_chunks.add_metric(label, max(0, status.chunks - status.chunks_embedded))
            lag_files.add_metric(label, max(0, status.files_total - status.files_embedded))
            complete.add_metric(label, 1 if status.complete else 0)
        yield from (files, chunks, embedded, lag_chunks, lag_files, complete)

    def _llm(self) -> Iterator[Metric]:
        tokens = CounterMetricFamily(
            "auro_llm_tokens", "LLM tokens by provider and kind", labels=["provider", "kind"]
        )
        requests = CounterMetricFamily(
            "auro_llm_requests",
            "LLM requests a server worked on (completed, cancelled or broken off)",
            labels=["provider"],
        )
        errors = CounterMetricFamily(
            "auro_llm_errors", "LLM errors by provider", labels=["provider"]
        )
        try:
            providers = self._services.llm.usage.snapshot().get("providers", {})
        except Exception:
            log.exception("LLM usage snapshot failed")
            providers = {}
        for name, usage in providers.items():
            tokens.add_metric([name, "prompt"], usage.get("prompt_tokens", 0))
            tokens.add_metric([name, "completion"], usage.get("completion_tokens", 0))
            requests.add_metric([name], usage.get("requests", 0))
            errors.add_metric([name], usage.get("errors", 0))
        yield from (tokens, requests, errors)
        yield from self._llm_models()

    def _llm_models(self) -> Iterator[Metric]:
        """Per model the server reports running (llama.cpp's own id, not the configured name)."""
        labels = ["provider", "model"]
        tokens = CounterMetricFamily(
            "auro_llm_model_tokens",
            "LLM tokens by provider, model and kind",
            labels=[*labels, "kind"],
        )
        requests = CounterMetricFamily(
            "auro_llm_model_requests",
            "LLM requests a server worked on, by model",
            labels=labels,
        )
        try:
            models = self._services.llm.usage.snapshot().get("models", {})
        except Exception:
            log.exception("LLM usage snapshot failed")
            models = {}
        for key, usage in models.items():
            provider, _, model = key.partition("/")
            tokens.add_metric([provider, model, "prompt"], usage.get("prompt_tokens", 0))
            tokens.add_metric([provider, model, "completion"], usage.get("completion_tokens", 0))
            requests.add_metric([provider, model], usage.get("requests", 0))
        yield from (tokens, requests)


class Metrics:
    """The registry behind `/metrics` and the HTTP instruments the middleware feeds."""

    def __init__(self, services) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "auro_http_requests",
            "HTTP requests by route template, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "auro_http_request_duration_seconds",
            "HTTP request latency by route template and method",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(ServicesCollector(services))

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
