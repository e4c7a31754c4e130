"""What a cold start of each entry point loads, in a fresh interpreter with Lambda's environment.

The figures are in `make bench` (cold_import_ratio); these tests pin down the behaviour those
figures rest on, so a stray import cannot quietly undo it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"

OPENAPI_MODELS = "aws_lambda_powertools.event_handler.openapi.models"
PROJECTOR_ONLY = ("eventcore.projector", "adapters.view_store_dynamodb", "hosting.projections")
PUBLISHER_ONLY = ("adapters.integration_bus_eventbridge",)


def loaded_after_import(module: str, tmp_path: Path) -> dict[str, object]:
    """Import `module` as the Lambda runtime would and report what got loaded and patched."""
    code = (
        "import json, sys\n"
        "import wrapt\n"
        f"import {module}\n"
        "import botocore.client\n"
        "print(json.dumps({\n"
        "    'modules': sorted(sys.modules),\n"
        "    'botocore_traced': isinstance(\n"
        "        vars(botocore.client.BaseClient)['_make_api_call'], wrapt.FunctionWrapper\n"
        "    ),\n"
        "}))\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(FUNCTIONS),
        "LAMBDA_TASK_ROOT": str(tmp_path),
        "AWS_LAMBDA_FUNCTION_NAME": "ledger-test",
        "AWS_REGION": "eu-west-1",
        "POWERTOOLS_TRACE_DISABLED": "false",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


@pytest.mark.parametrize("module", ["handlers.commands", "handlers.queries"])
def test_http_functions_load_neither_the_projector_nor_the_publisher(
    module: str, tmp_path: Path
) -> None:
    modules = loaded_after_import(module, tmp_path)["modules"]
    assert isinstance(modules, list)
    assert module in modules
    for other in PROJECTOR_ONLY + PUBLISHER_ONLY:
        assert other not in modules


HTTP_ONLY = (
    "aws_lambda_powertools.event_handler.api_gateway",
    "httpkernel.app",
    "domains.accounts.routes",
)


@pytest.mark.parametrize("module", ["handlers.projector", "handlers.publisher"])
def test_stream_consumers_load_no_http_code(module: str, tmp_path: Path) -> None:
    modules = loaded_after_import(module, tmp_path)["modules"]
    assert isinstance(modules, list)
    assert module in modules
    for other in HTTP_ONLY:
        assert other not in modules


@pytest.mark.parametrize("module", ["handlers.commands", "handlers.queries"])
def test_the_openapi_models_wait_for_a_request_that_needs_them(module: str, tmp_path: Path) -> None:
    # Swagger UI and GET /openapi.json load them on their first request (tested in
    # test_queries); a cold start serving an ordinary request does not.
    assert OPENAPI_MODELS not in loaded_after_import(module, tmp_path)["modules"]


def test_tracing_patches_botocore_and_only_botocore(tmp_path: Path) -> None:
    report = loaded_after_import("handlers.commands", tmp_path)
    assert report["botocore_traced"] is True
    modules = report["modules"]
    assert isinstance(modules, list)
    # Libraries the X-Ray SDK would patch (and so import) if it were left to patch everything
    # importable; the dev environment has them, the functions never call them.
    for library in ("httpx", "requests", "aiohttp"):
        assert library not in modules
