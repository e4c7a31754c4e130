"""`snapshot_load_flatness`: does a cold load cost the same at 10,000 events as at 100?

A cold load is `Repository.load` on a fresh repository (no warm cache) over the DynamoDB event
store and the S3 snapshot store in moto: one GET of `latest.json`, then a Query for the commits
after it, folded onto the snapshot's state. Histories carry snapshots every 100 versions, as the
projector writes them. The same loads without a snapshot store (the whole history read and
folded) are the contrast.

Two times per load: wall time, and our side of it (wall time minus the time moto spends serving
the requests, measured with botocore hooks, see `bench.aws.EmulatorTime`). moto's Query sorts the
whole table and sizes every item of the partition before applying the key condition, so its
own time grows with the partition; DynamoDB's does not (a key-range read on a B-tree). The target
is judged on our side; the wall-time ratio is reported next to it. The garbage collector is
paused during each load (and run before it), so collections of moto's garbage are not counted
on our side either.
"""

from __future__ import annotations

import gc
import time
from typing import Any

from bench.aws import EmulatorTime, Requests, Stack
from bench.core import Benchmark, Context, Result, median, ratio, rounded
from domains.accounts.repository import account_repository

KEY = "snapshot_load_flatness"
SMALL, LARGE = 100, 10_000
TARGET = 1.5
REPEATS = {True: 7, False: 2}  # measured loads per history, with and without snapshots
WARMUP = {True: 1, False: 0}  # unmeasured loads first (one without snapshots takes seconds)


def _loads(stack: Stack, events: int, snapshots: bool) -> dict[str, Any]:
    history = stack.history(events)
    wall: list[float] = []
    ours: list[float] = []
    with (
        Requests(stack.dynamodb, stack.s3) as requests,
        EmulatorTime(stack.dynamodb, stack.s3) as emulator,
    ):
        for attempt in range(WARMUP[snapshots] + REPEATS[snapshots]):
            repository = account_repository(
                stack.event_store(), stack.snapshot_store() if snapshots else None
            )
            requests.take()
            emulator.take()
            # moto's garbage (it sorts and copies the whole table per Query) would otherwise
            # trigger collections that land in our side of the time.
            gc.collect()
            gc.disable()
            started = time.perf_counter()
            try:
                loaded = repository.load(history.stream_id)
            finally:
                elapsed = time.perf_counter() - started
                gc.enable()
            emulator_seconds = emulator.take()
            calls = requests.take()
            if attempt >= WARMUP[snapshots]:
                wall.append(elapsed)
                ours.append(elapsed - emulator_seconds)
    if loaded.version < events:
        raise AssertionError(f"{history.stream_id} loaded at version {loaded.version}")
    snapshot = stack.snapshot_store().latest(history.stream_id) if snapshots else None
    return {
        "events": loaded.version,
        "wall_ms": median(wall) * 1e3,
        "ours_ms": median(ours) * 1e3,
        "requests": calls.total(),
        "commits_read": loaded.version - (snapshot.version if snapshot else 0),
    }


def _compare(stack: Stack, snapshots: bool) -> dict[str, Any]:
    small, large = _loads(stack, SMALL, snapshots), _loads(stack, LARGE, snapshots)
    return {
        "ratio": rounded(ratio(large["ours_ms"], small["ours_ms"])),
        "wall_ratio": rounded(ratio(large["wall_ms"], small["wall_ms"])),
        f"ours_ms_{SMALL}": rounded(small["ours_ms"]),
        f"ours_ms_{LARGE}": rounded(large["ours_ms"]),
        f"wall_ms_{SMALL}": rounded(small["wall_ms"]),
        f"wall_ms_{LARGE}": rounded(large["wall_ms"]),
        f"requests_{SMALL}": small["requests"],
        f"requests_{LARGE}": large["requests"],
        f"commits_read_{SMALL}": small["commits_read"],
        f"commits_read_{LARGE}": large["commits_read"],
        "events_loaded": [small["events"], large["events"]],
    }


def run(context: Context) -> Result:
    stack = context.stack()
    with_snapshots = _compare(stack, snapshots=True)
    without = _compare(stack, snapshots=False)
    figure = with_snapshots["ratio"]
    return Result(
        key=KEY,
        inputs={
            "history_events": [SMALL, LARGE],
            "snapshot_every": 100,
            "loads_per_history": {"with_snapshots": REPEATS[True], "without": REPEATS[False]},
        },
        figures={"ratio": figure, "with_snapshots": with_snapshots, "without_snapshots": without},
        target=f"ratio (10,000 / 100 events, cold, snapshots on) <= {TARGET:g}",
        passed=figure <= TARGET,
        summary=(
            f"snapshots on: {figure:.2f} (wall {with_snapshots['wall_ratio']:.2f}); "
            f"off: {without['ratio']:.1f} (wall {without['wall_ratio']:.1f})"
        ),
    )


BENCHMARK = Benchmark(KEY, run, "cold load time at 10,000 vs 100 events, snapshots on and off")
