"""The one shape of an HTTP Lambda entry point: Powertools decorators around the HTTP app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import bootstrap, tracing

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]

logger = Logger()


def http_entry(methods: frozenset[str], metric_prefix: str) -> Handler:
    """An entry point serving `methods`, counting responses per status class
    (e.g. Command2xx, Command4xx: what the dashboard graphs)."""
    tracer = tracing.tracer()
    metrics = Metrics()
    # The routes are registered now, in the container's init phase, as a module-level resolver
    # would be; the clients and services behind them wait for the first request.
    bootstrap.host().http_app  # noqa: B018

    # Responses carry account holders' names (revealed for whoever may see them): never into a
    # trace's metadata, where X-Ray would keep them out of erasure's reach.
    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics(capture_cold_start_metric=True)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        response = bootstrap.host().http_app.handle(event, context, methods)
        metrics.add_metric(f"{metric_prefix}{response['statusCode'] // 100}xx", MetricUnit.Count, 1)
        return response

    entry: Handler = handler  # the tracer's decorator, called with options, is untyped
    return entry
