"""Benchmarks of the ledger: `make bench` (or `python -m bench`) runs them all.

Importing this package makes the Lambda code under `functions/` importable and points boto3 at
fake credentials, so nothing here can reach a real AWS account: every AWS call goes to moto,
in-process.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"


def _prepare() -> None:
    for path in (str(ROOT), str(FUNCTIONS)):
        if path not in sys.path:
            sys.path.insert(0, path)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="eu-west-1",
        # botocore 1.44 sends stream calls to an account-specific host that moto does not serve.
        AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_METRICS_NAMESPACE="Ledger",
        POWERTOOLS_SERVICE_NAME="ledger",
    )


_prepare()
