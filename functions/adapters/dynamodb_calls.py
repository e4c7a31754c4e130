"""DynamoDB requests as the adapters make them, with one meaning for "try again later".

Throttling that outlasted botocore's retries, timeouts and connection failures become the ports'
`StoreUnavailable`, which the API answers with 503 and Retry-After; every other error stays as
botocore raised it.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as ConnectionFailed

from eventcore.store import StoreUnavailable

# Error codes of a whole request that mean the table is busy or briefly unavailable.
BUSY = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
}
# The same causes as a cancelled transaction reports them, per item, in CancellationReasons.
BUSY_ITEM = {"ProvisionedThroughputExceeded", "ThrottlingError"}
# Failures to reach DynamoDB (connecting, timeouts, dropped connections). Other botocore errors
# (bad parameters, missing credentials) are bugs or configuration, not "try again later".
UNREACHABLE = (ConnectionFailed, HTTPClientError)


def call(client: Any, operation: str, **request: Any) -> dict[str, Any]:
    """`client.<operation>(**request)`, with busy and unreachable turned into StoreUnavailable."""
    try:
        response: dict[str, Any] = getattr(client, operation)(**request)
    except ClientError as error:
        raise translate(error) from error
    except UNREACHABLE as error:
        raise unreachable(error) from error
    return response


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def translate(error: ClientError) -> Exception:
    """A busy table becomes `StoreUnavailable`; any other error stays as it is."""
    if error_code(error) in BUSY:
        return StoreUnavailable(str(error))
    translated: Exception = error
    return translated


def unreachable(error: Exception) -> StoreUnavailable:
    """Timeouts and connection failures that outlasted botocore's retries. A write that timed out
    may still have happened: the caller's retry meets its receipt, or a conflict, never a
    second effect."""
    return StoreUnavailable(f"{type(error).__name__}: {error}")
