"""Which DynamoDB failures mean "try again later" (a 503) and which stay errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    ReadTimeoutError,
)

from adapters.dynamodb_calls import call
from eventcore.store import StoreUnavailable


class Failing:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def get_item(self, **_: Any) -> dict[str, Any]:
        raise self.error


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "GetItem")


@pytest.mark.parametrize(
    "error",
    [
        client_error("ProvisionedThroughputExceededException"),
        client_error("ThrottlingException"),
        client_error("InternalServerError"),
        ReadTimeoutError(endpoint_url="https://dynamodb.invalid"),
        EndpointConnectionError(endpoint_url="https://dynamodb.invalid"),
    ],
)
def test_busy_or_unreachable_is_store_unavailable(error: Exception) -> None:
    with pytest.raises(StoreUnavailable):
        call(Failing(error), "get_item", TableName="t")


@pytest.mark.parametrize(
    "error",
    [
        client_error("ValidationException"),
        client_error("ResourceNotFoundException"),
        NoCredentialsError(),
        ParamValidationError(report="TableName is missing"),
    ],
)
def test_other_failures_stay_what_they_are(error: Exception) -> None:
    with pytest.raises(type(error)):
        call(Failing(error), "get_item", TableName="t")
