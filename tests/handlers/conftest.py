from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from esctl.provision import provision
from handlers import dependencies


def reset_dependencies() -> None:
    dependencies.use_ledger(None)
    dependencies.use_projector(None)
    dependencies.settings.cache_clear()
    dependencies.client.cache_clear()


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The stack's tables and bucket in moto, and the handlers configured to use them."""
    with mock_aws():
        env = provision(boto3.client("dynamodb"), boto3.client("s3"))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        reset_dependencies()
        yield env
        reset_dependencies()
