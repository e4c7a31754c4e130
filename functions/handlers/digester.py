"""Lambda entry point of the digester: run every minute, it signs the heads of the streams that
changed since the last digest and keeps the digest in the object-locked bucket."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from eventcore.commits import format_time
from eventcore.digesting import Digester
from handlers import bootstrap, tracing
from hosting.host import utc_now

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()


def digester() -> Digester:
    """The digester on the deployment's table, marks, bucket and digest key."""
    aws = bootstrap.aws()
    key = aws.digest_key()
    assert key.signer is not None  # a named digest key always comes with its signer
    return Digester(
        store=bootstrap.host().aggregates.store,
        marks=aws.change_marks(),
        digests=aws.digest_store(),
        signer=key.signer,
        clock=lambda: format_time(utc_now()),
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    digest = digester().run()
    heads = len(digest.heads) if digest is not None else 0
    metrics.add_metric("DigestsWritten", MetricUnit.Count, 1 if digest is not None else 0)
    metrics.add_metric("HeadsDigested", MetricUnit.Count, heads)
    if digest is None:
        return {"digest": None}
    # Every minute, so DEBUG: the metrics say how many heads each digest signed.
    logger.debug("digest kept", extra={"sequence": digest.sequence, "heads": heads})
    return {"digest": digest.sequence, "heads": heads, "root": digest.root}
