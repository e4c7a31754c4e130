"""What a function does with a snapshot a load ignored (not on its stream's chain, or not signed
by the snapshot writer): count it (`SnapshotRejected`, alarmed) and log which one and why,
without its state; and with one the projector could not write (the bucket or the signing key
out of reach): count it (`SnapshotWriteFailed`, alarmed) and go on, as loads fold further."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from eventcore.snapshots import Snapshot
from eventcore.store import StoreUnavailable

logger = Logger(child=True)


def snapshot_rejected(snapshot: Snapshot, reason: str) -> None:
    # Emitted at once: a load may happen outside the handler's own metrics flush.
    with single_metric(name="SnapshotRejected", unit=MetricUnit.Count, value=1):
        pass
    logger.warning(
        f"snapshot ignored: {reason}",
        extra={
            "stream_id": snapshot.stream_id,
            "snapshot_version": snapshot.version,
            "snapshot_commit_version": snapshot.commit_version,
        },
    )


def snapshot_failed(stream_id: str, version: int, error: StoreUnavailable) -> None:
    with single_metric(name="SnapshotWriteFailed", unit=MetricUnit.Count, value=1):
        pass
    logger.warning(
        f"snapshot not written: {type(error).__name__}: {error}",
        extra={"stream_id": stream_id, "snapshot_version": version},
    )
