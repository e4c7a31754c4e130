"""Lambda entry point of the projector: the event table's stream into the accounts read model
and S3 snapshots."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import dependencies, tracing
from handlers.stream_batch import process

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records", [])
    report = process(records, dependencies.projector().project)
    results = report.results.values()
    metrics.add_metric("EventsProjected", MetricUnit.Count, sum(r.applied for r in results))
    metrics.add_metric("CatchUpReads", MetricUnit.Count, sum(r.caught_up for r in results))
    metrics.add_metric(
        "StreamsParked", MetricUnit.Count, sum(r.parked_at is not None for r in results)
    )
    metrics.add_metric("StreamsRetried", MetricUnit.Count, len(report.failures))
    for stream_id, result in report.results.items():
        if result.parked_at is not None:
            logger.error(
                "stream parked", extra={"stream_id": stream_id, "version": result.parked_at}
            )
    return report.response()
