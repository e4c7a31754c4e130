"""`projector_writes_per_batch`: read-model requests per stream batch of 100 records.

The projector is wired as in production (the composition root's host over the stack's tables:
`StreamProjector` over the DynamoDB read-model store, the DynamoDB event store and S3 snapshots
every 100 versions) and driven through `handlers.stream_batch.process`, the code behind the
projector Lambda. The 100 records of the
measured batch are spread evenly over k streams (k = 1, 10, 100), interleaved as concurrent
writers would interleave them. A first batch of 100 records over the same k streams primes the
projector (a warm container; for k = 1 it crosses version 100, so the snapshot writer holds the
state too); the measured batch continues every stream contiguously, so nothing needs reading.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from bench.aws import (
    DYNAMODB_READS,
    DYNAMODB_WRITES,
    S3_READS,
    S3_WRITES,
    SNAPSHOT_EVERY,
    Requests,
    Stack,
)
from bench.core import Benchmark, Context, Result
from bench.histories import account_commits
from bench.lambda_events import stream_record
from domains.accounts.decider import CATEGORY
from eventcore.commits import Commit
from handlers.aws_infrastructure import AwsInfrastructure
from handlers.stream_batch import process, stream_ids
from hosting.host import Host
from installed_domains import DOMAINS

KEY = "projector_writes_per_batch"
BATCH = 100
STREAM_COUNTS = (1, 10, 100)


def projector_on(stack: Stack) -> Host:
    """What `handlers.bootstrap` builds for the projector Lambda, on the stack's clients."""
    return Host(DOMAINS, AwsInfrastructure(lambda: stack.settings, stack.clients().__getitem__))


def _interleaved(per_stream: list[list[Commit]], first_sequence: int) -> list[dict[str, Any]]:
    """Records round-robin across streams, as concurrent writers' commits reach the stream."""
    commits = [c for row in itertools.zip_longest(*per_stream) for c in row if c is not None]
    return [stream_record(c, first_sequence + n) for n, c in enumerate(commits)]


def _measure(stack: Stack, streams: int, sequence: Iterator[int]) -> dict[str, int]:
    per_stream = BATCH // streams
    names = [f"Account-projector-{streams}-{n}" for n in range(streams)]
    histories = {name: list(account_commits(name, 2 * per_stream)) for name in names}
    for commits in histories.values():
        stack.write(commits)  # the table is the record; the stream only notifies
    priming = _interleaved([c[:per_stream] for c in histories.values()], next(sequence))
    measured = _interleaved([c[per_stream:] for c in histories.values()], next(sequence))
    if len(priming) != BATCH or len(measured) != BATCH:
        raise AssertionError("batches must hold 100 records each")

    host = projector_on(stack)
    with Requests(stack.dynamodb, stack.s3) as requests:
        for batch in (priming, measured):
            requests.take()
            # As the projector's handler does first: mark the batch's streams for the digest.
            host.mark_changed(stream_ids(batch))
            marks = requests.take()
            report = process(batch, host.project)
            if report.failures:
                raise AssertionError(f"batch failed for {report.failures}")
        calls = requests.take()

    views = host.projections[CATEGORY].projectors[0].views
    for stream_id, commits in histories.items():
        view = views.load(stream_id)
        if view.version != commits[-1].last_version:
            raise AssertionError(f"{stream_id} projected to {view.version}")
    return {
        "writes": sum(n for op, n in calls.items() if op in DYNAMODB_WRITES),
        "reads": sum(n for op, n in calls.items() if op in DYNAMODB_READS | S3_READS),
        "snapshot_puts": sum(n for op, n in calls.items() if op in S3_WRITES),
        "change_mark_writes": sum(n for op, n in marks.items() if op in DYNAMODB_WRITES),
    }


def run(context: Context) -> Result:
    stack = context.stack()
    sequence = itertools.count(1_000_000, 1_000)
    figures = {str(k): _measure(stack, k, sequence) for k in STREAM_COUNTS}
    passed = all(f["writes"] <= int(k) and f["reads"] == 0 for k, f in figures.items())
    return Result(
        key=KEY,
        inputs={
            "records_per_batch": BATCH,
            "streams": list(STREAM_COUNTS),
            "priming": "one batch of 100 records over the same k streams",
            "snapshot_every": SNAPSHOT_EVERY,
        },
        figures=figures,
        target="read-model writes <= k and reads = 0 per contiguous batch",
        passed=passed,
        summary=", ".join(
            f"k={k}: {f['writes']} writes, {f['reads']} reads" for k, f in figures.items()
        ),
        notes=[
            "snapshot_puts are S3 PutObject calls (2 per snapshot: the version and latest.json) "
            "for streams crossing a multiple of 100 in the batch; they are not read-model writes",
            "change_mark_writes: the one PutItem per batch that marks its streams for the next"
            " digest (not a read-model write; one per batch whatever k)",
        ],
    )


BENCHMARK = Benchmark(KEY, run, "read-model writes and reads per 100-record stream batch")
