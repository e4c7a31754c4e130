"""Lambda entry point for the query routes (GET), the OpenAPI document and Swagger UI."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers.api import handle, logger

tracer = Tracer()
metrics = Metrics()
METHODS = frozenset({"GET"})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = handle(event, context, METHODS)
    # One count per status class (e.g. Query2xx, Query4xx): what the dashboard graphs.
    metrics.add_metric(f"Query{response['statusCode'] // 100}xx", MetricUnit.Count, 1)
    return response
