"""Lambda entry point of the projector: the event table's stream into every domain's read models
and S3 snapshots, each record routed by its stream's category."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import bootstrap, tracing
from handlers.stream_batch import process, stream_ids, tampering

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records", [])
    host = bootstrap.host()
    # Marked first, in one write: a batch that fails and is redelivered marks its streams again.
    host.mark_changed(stream_ids(records))
    # Alarmed on: the old image of a commit someone changed or removed, kept as evidence.
    changed = tampering(records)
    if changed:
        kept = host.keep_evidence(changed)
        logger.error("commits changed or removed in the table", extra={"evidence": kept})
    metrics.add_metric("TamperDetected", MetricUnit.Count, len(changed))
    report = process(records, host.project)
    results = report.results.values()
    metrics.add_metric("EventsProjected", MetricUnit.Count, sum(r.applied for r in results))
    metrics.add_metric("CatchUpReads", MetricUnit.Count, sum(r.caught_up for r in results))
    metrics.add_metric(
        "StreamsParked", MetricUnit.Count, sum(r.parked_at is not None for r in results)
    )
    metrics.add_metric("StreamsRetried", MetricUnit.Count, len(report.failures))
    # Alarmed on: a stream no installed domain claims (a domain missing from this deployment).
    metrics.add_metric("RecordsUnclaimed", MetricUnit.Count, report.unclaimed)
    for stream_id, result in report.results.items():
        if result.parked_at is not None:
            logger.error(
                "stream parked", extra={"stream_id": stream_id, "version": result.parked_at}
            )
    return report.response()
