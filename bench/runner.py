"""Runs the benchmarks, prints a table and writes `bench/results.json`.

To add a benchmark, write a module with a `BENCHMARK = Benchmark(key, run, description)` and
add it to `BENCHMARKS`: one import and one list entry.
"""

from __future__ import annotations

import argparse
import json
import time
import traceback
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench import (
    cold_import,
    command_cpu,
    digests,
    http_load,
    projector_writes,
    replay,
    requests_per_command,
    snapshot_loads,
    storage,
)
from bench.core import Benchmark, Context, Result

# Run order (also the table's order). The snapshot loads come before the commands, which
# append to the same shared histories; the HTTP load runs last, on its own local stack.
BENCHMARKS: list[Benchmark] = [
    replay.BENCHMARK,
    snapshot_loads.BENCHMARK,
    requests_per_command.BENCHMARK,
    projector_writes.BENCHMARK,
    command_cpu.BENCHMARK,
    cold_import.BENCHMARK,
    storage.BENCHMARK,
    digests.BENCHMARK,
    http_load.BENCHMARK,
]

RESULTS = Path(__file__).with_name("results.json")


def _failed(benchmark: Benchmark, error: BaseException) -> Result:
    return Result(
        key=benchmark.key,
        inputs={},
        figures={},
        target="",
        passed=False,
        summary=f"error: {type(error).__name__}: {error}",
        notes=traceback.format_exception(error)[-3:],
    )


def run(selected: Sequence[Benchmark], console: Console) -> list[Result]:
    results: list[Result] = []
    context = Context()
    try:
        for benchmark in selected:
            console.print(f"[bold]{benchmark.key}[/]: {benchmark.description} ...")
            started = time.perf_counter()
            try:
                result = benchmark.run(context)
            except Exception as error:  # one broken benchmark must not hide the others
                result = _failed(benchmark, error)
            result = replace(result, seconds=time.perf_counter() - started)
            verdict = "[green]pass[/]" if result.passed else "[red]MISS[/]"
            console.print(f"  {verdict} {result.summary}")
            results.append(result)
    finally:
        context.close()
    return results


def table(results: Sequence[Result]) -> Table:
    grid = Table(title="ledger benchmarks", show_lines=True)
    grid.add_column("benchmark", style="bold")
    grid.add_column("figures")
    grid.add_column("target")
    grid.add_column("result", justify="center")
    grid.add_column("s", justify="right")
    for result in results:
        verdict = "[green]pass[/]" if result.passed else "[red]MISS[/]"
        grid.add_row(result.key, result.summary, result.target, verdict, f"{result.seconds:.0f}")
    return grid


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("keys", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when a target is missed"
    )
    args = parser.parse_args(argv)
    console = Console()
    if not console.is_terminal:  # `make bench | tee`, CI logs: do not squeeze into 80 columns
        console = Console(width=140)
    if args.list:
        for benchmark in BENCHMARKS:
            console.print(f"{benchmark.key}: {benchmark.description}")
        return 0
    known = {b.key for b in BENCHMARKS}
    unknown = [k for k in args.keys if k not in known]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(known)}")
    selected = [b for b in BENCHMARKS if not args.keys or b.key in args.keys]

    started = time.perf_counter()
    results = run(selected, console)
    elapsed = time.perf_counter() - started
    console.print(table(results))
    RESULTS.write_text(json.dumps([r.to_json() for r in results], indent=2) + "\n")
    missed = [r.key for r in results if not r.passed]
    console.print(
        f"{len(results) - len(missed)}/{len(results)} targets met in {elapsed:.0f} s; "
        f"figures written to {RESULTS}"
    )
    return 1 if args.strict and missed else 0
