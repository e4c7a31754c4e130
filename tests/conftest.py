"""Test-wide settings: never reach real AWS, whatever the developer's environment holds."""

from __future__ import annotations

import os

for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(name, None)
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_DEFAULT_REGION="eu-west-1",
    # botocore 1.44 routes stream calls to an account-specific host that moto does not serve.
    AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_METRICS_NAMESPACE="Ledger",
    POWERTOOLS_SERVICE_NAME="ledger",
)
