"""`cold_import_ratio`: what importing the command handler adds to a Lambda cold start.

Each sample is a fresh interpreter (`python -c ...` with PYTHONPATH=functions, as the Lambda
asset is laid out) that times one import statement with `time.perf_counter`, so interpreter
start-up is left out. Ours: `import handlers.commands`. The baseline: the libraries any Powertools
HTTP Lambda of this kind imports anyway, `import boto3, aws_lambda_powertools.event_handler,
pydantic`. A third series imports the baseline plus `aws_xray_sdk.core` (what Powertools' Tracer
loads), to show how much of the difference is the X-Ray SDK. The series alternate, and the
figures are ratios of medians.
"""

from __future__ import annotations

import os
import subprocess
import sys

from bench import FUNCTIONS
from bench.core import Benchmark, Context, Result, median, ratio, rounded

KEY = "cold_import_ratio"
SAMPLES = 9
TARGET = 1.3
OURS = "handlers.commands"
BASELINE = "boto3, aws_lambda_powertools.event_handler, pydantic"
WITH_XRAY = f"{BASELINE}, aws_xray_sdk.core"


def import_seconds(modules: str) -> float:
    """Seconds one `import <modules>` takes in a fresh interpreter."""
    code = (
        "import time\n"
        "started = time.perf_counter()\n"
        f"import {modules}\n"
        "print(time.perf_counter() - started)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(FUNCTIONS)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip().splitlines()[-1])


def run(_: Context) -> Result:
    series: dict[str, list[float]] = {OURS: [], BASELINE: [], WITH_XRAY: []}
    for modules in series:
        import_seconds(modules)  # byte-compile everything before anything is timed
    for _sample in range(SAMPLES):
        for modules, samples in series.items():
            samples.append(import_seconds(modules))
    ours_ms, baseline_ms, xray_ms = (median(series[m]) * 1e3 for m in (OURS, BASELINE, WITH_XRAY))
    figure = ratio(ours_ms, baseline_ms)
    xray_sdk_ms = xray_ms - baseline_ms
    return Result(
        key=KEY,
        inputs={"ours": f"import {OURS}", "baseline": f"import {BASELINE}", "samples": SAMPLES},
        figures={
            "ours_ms_median": rounded(ours_ms, 1),
            "baseline_ms_median": rounded(baseline_ms, 1),
            "ratio": rounded(figure),
            "xray_sdk_ms": rounded(xray_sdk_ms, 1),
            "ratio_without_xray_sdk": rounded(ratio(ours_ms - xray_sdk_ms, baseline_ms)),
        },
        target=f"ratio <= {TARGET:g}",
        passed=figure <= TARGET,
        summary=f"{ours_ms:.0f} ms vs {baseline_ms:.0f} ms, ratio {figure:.2f}",
        notes=[
            "xray_sdk_ms: what `import aws_xray_sdk.core` adds to the baseline; Powertools' "
            "Tracer imports it even when tracing is disabled, and its recorder builds two "
            "botocore X-Ray clients at import time"
        ],
    )


BENCHMARK = Benchmark(KEY, run, "import time of the command handler vs its libraries alone")
