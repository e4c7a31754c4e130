"""`cold_import_ratio`: what importing an HTTP handler adds to a Lambda cold start.

Each sample is a fresh interpreter (`python -c ...` with PYTHONPATH=functions, as the Lambda
asset is laid out) that times one import statement with `time.perf_counter`, so interpreter
start-up is left out. The interpreter gets the environment variables the Lambda runtime sets
(`LAMBDA_TASK_ROOT`, `AWS_LAMBDA_FUNCTION_NAME`, ...): Powertools' Tracer and the X-Ray SDK
choose what to load by them, so outside Lambda they would measure a different program (tracing
off, and the X-Ray recorder building two botocore clients for centralized sampling, which it
skips on Lambda).

Ours: `import handlers.commands` and `import handlers.queries`, each a whole Lambda entry point
(Powertools logger, tracer with botocore patched, metrics, the validating resolver with every
route, the ledger's modules). The baseline: the libraries any Powertools HTTP Lambda of this
kind imports anyway, `import boto3, aws_lambda_powertools.event_handler, pydantic`. The series
alternate, and the figures are ratios of medians; the target holds for both entry points.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from bench import FUNCTIONS
from bench.core import Benchmark, Context, Result, median, ratio, rounded

KEY = "cold_import_ratio"
SAMPLES = 9
TARGET = 1.3
COMMANDS = "handlers.commands"
QUERIES = "handlers.queries"
BASELINE = "boto3, aws_lambda_powertools.event_handler, pydantic"


def lambda_environment(task_root: str) -> dict[str, str]:
    """What the Lambda runtime puts in a function's environment, as far as it changes imports."""
    return {
        "LAMBDA_TASK_ROOT": task_root,
        "AWS_LAMBDA_FUNCTION_NAME": "ledger-bench",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "POWERTOOLS_SERVICE_NAME": "ledger",
        "POWERTOOLS_METRICS_NAMESPACE": "Ledger",
    }


def import_seconds(modules: str, environment: dict[str, str]) -> float:
    """Seconds one `import <modules>` takes in a fresh interpreter."""
    code = (
        "import time\n"
        "started = time.perf_counter()\n"
        f"import {modules}\n"
        "print(time.perf_counter() - started)\n"
    )
    env = {**os.environ, **environment, "PYTHONPATH": str(FUNCTIONS)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip().splitlines()[-1])


def run(_: Context) -> Result:
    series: dict[str, list[float]] = {COMMANDS: [], QUERIES: [], BASELINE: []}
    with tempfile.TemporaryDirectory(prefix="lambda-task-") as task_root:
        environment = lambda_environment(task_root)
        for modules in series:
            import_seconds(modules, environment)  # byte-compile everything before timing
        for _sample in range(SAMPLES):
            for modules, samples in series.items():
                samples.append(import_seconds(modules, environment))
    commands_ms, queries_ms, baseline_ms = (
        median(series[m]) * 1e3 for m in (COMMANDS, QUERIES, BASELINE)
    )
    figure = ratio(commands_ms, baseline_ms)
    queries_figure = ratio(queries_ms, baseline_ms)
    worst = max(figure, queries_figure)
    return Result(
        key=KEY,
        inputs={
            "ours": [f"import {COMMANDS}", f"import {QUERIES}"],
            "baseline": f"import {BASELINE}",
            "environment": "the Lambda runtime's variables (LAMBDA_TASK_ROOT, ...)",
            "samples": SAMPLES,
        },
        figures={
            "commands_ms_median": rounded(commands_ms, 1),
            "queries_ms_median": rounded(queries_ms, 1),
            "baseline_ms_median": rounded(baseline_ms, 1),
            "ratio": rounded(figure),
            "queries_ratio": rounded(queries_figure),
        },
        target=f"ratio <= {TARGET:g} for both entry points",
        passed=worst <= TARGET,
        summary=(
            f"commands {commands_ms:.0f} ms, queries {queries_ms:.0f} ms vs {baseline_ms:.0f} ms,"
            f" ratios {figure:.2f} / {queries_figure:.2f}"
        ),
    )


BENCHMARK = Benchmark(KEY, run, "import time of the HTTP handlers vs their libraries alone")
