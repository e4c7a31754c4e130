"""`digest_cost`: requests and time per digest against streams changed and streams in all, and
how fast `verify --all` checks commits against the digests.

On the stack in moto: T streams of 3 commits each (T = 100 and 1,000); k of them (1, 10, 100)
are marked changed and one digest is made through the digester the Lambda builds (marks Query,
one newest-commit Query per marked stream, one ListObjectsV2 + GetObject for the previous
digest, one KMS Sign, one PutObject, the marks' BatchWriteItem). Requests are counted on the
digester's DynamoDB, S3 and KMS clients.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from bench.aws import Requests, Stack, handlers_on
from bench.core import Benchmark, Context, Result
from bench.histories import account_commits

KEY = "digest_cost"
TOTALS = (100, 1_000)
CHANGED = (1, 10, 100)
COMMITS_PER_STREAM = 3


def _streams(stack: Stack, total: int) -> list[str]:
    names = [f"Account-digest-{total}-{n}" for n in range(total)]
    commits = [c for name in names for c in account_commits(name, COMMITS_PER_STREAM)]
    stack.write(commits)
    return names


def _one_digest(names: list[str], changed: int, requests: Requests) -> dict[str, Any]:
    from handlers import bootstrap
    from handlers.digester import digester

    bootstrap.host().mark_changed(names[:changed])
    requests.take()
    started = time.perf_counter()
    made = digester().run()
    elapsed = time.perf_counter() - started
    calls = requests.take()
    if made is None or len(made.heads) != changed:
        raise AssertionError(f"the digest signed {made and len(made.heads)} heads, not {changed}")
    return {"requests": calls.total(), "ms": round(elapsed * 1e3, 1)}


def _verify_rate(stack: Stack) -> dict[str, float]:
    from esctl.ledger_proofs import digested_heads
    from esctl.operations import verify_streams
    from handlers import bootstrap

    digested, problem = digested_heads()
    if problem is not None:
        raise AssertionError(problem)
    started = time.perf_counter()
    commits = 0
    for report in verify_streams(bootstrap.host().aggregates, None, digested):
        if not report.ok:
            raise AssertionError(f"{report.stream_id}: {report.reason}")
        commits += report.commits
    elapsed = time.perf_counter() - started
    return {"commits": commits, "commits_per_second": round(commits / elapsed)}


def run(context: Context) -> Result:
    stack = context.stack()
    figures: dict[str, Any] = {}
    with handlers_on(stack):
        from handlers import bootstrap

        clients = (bootstrap.client("dynamodb"), bootstrap.client("s3"), bootstrap.client("kms"))
        with Requests(*clients) as requests:
            for total in TOTALS:
                names = _streams(stack, total)
                # Every measured digest follows another, as all but the very first do.
                _one_digest(names, 1, requests)
                figures[str(total)] = {str(k): _one_digest(names, k, requests) for k in CHANGED}
        figures["verify"] = _verify_rate(stack)
    small, large = figures[str(TOTALS[0])], figures[str(TOTALS[-1])]
    flat = all(small[str(k)]["requests"] == large[str(k)]["requests"] for k in CHANGED)
    # Linear: each further changed stream costs the same (one newest-commit Query).
    per_stream = [
        (small[str(b)]["requests"] - small[str(a)]["requests"]) / (b - a)
        for a, b in itertools.pairwise(CHANGED)
    ]
    linear = max(per_stream) - min(per_stream) <= 0.05
    return Result(
        key=KEY,
        inputs={
            "total_streams": list(TOTALS),
            "changed_streams": list(CHANGED),
            "commits_per_stream": COMMITS_PER_STREAM,
        },
        figures={**figures, "requests_per_changed_stream": per_stream},
        target="requests per digest linear in changed streams and equal for 100 and 1,000 streams",
        passed=flat and linear,
        summary=", ".join(f"k={k}: {large[str(k)]['requests']} requests" for k in CHANGED)
        + f"; verify {figures['verify']['commits_per_second']:,} commits/s",
        notes=[
            "ms per digest grows with total streams only because moto's Query scans its whole"
            " table; the request count, which is what DynamoDB bills and what takes time there,"
            " does not",
            "verify commits/s covers every stream in the run's moto table (the benchmarks'"
            " shared histories too), against every digest made; moto's Query dominates it",
        ],
    )


BENCHMARK = Benchmark(KEY, run, "requests per digest against changed and total streams")
