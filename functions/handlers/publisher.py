"""Lambda entry point of the publisher: the event table's stream onto the integration bus.

A consumer of its own (its own event source mapping, retries and dead-letter queue), separate
from the projector, so a slow or failing bus never holds back the read models.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import bootstrap, tracing
from handlers.integration_batch import publish

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    feeds = bootstrap.host().feeds
    report = publish(event.get("Records", []), feeds, bootstrap.publisher().publish)
    metrics.add_metric("IntegrationEventsPublished", MetricUnit.Count, report.published)
    # Alarmed on: every event counted here is redelivered, and after the mapping's retries its
    # records land in the publisher's dead-letter queue.
    metrics.add_metric("IntegrationEventsFailed", MetricUnit.Count, report.failed_count)
    # Alarmed on: a stream no installed domain publishes (a domain missing from this deployment).
    metrics.add_metric("RecordsUnclaimed", MetricUnit.Count, len(report.unclaimed))
    return report.response()
