from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from esctl.provision import provision
from handlers import bootstrap
from installed_domains import DOMAINS
from tests.http import PRINCIPAL_ROLES


def reset_dependencies() -> None:
    bootstrap.use(None)
    bootstrap.settings.cache_clear()
    bootstrap.client.cache_clear()


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The stack's tables and bucket in moto, and the handlers configured to use them."""
    with mock_aws():
        env = provision(boto3.client("dynamodb"), boto3.client("s3"), boto3.client("kms"), DOMAINS)
        env["IAM_PRINCIPAL_ROLES"] = json.dumps(PRINCIPAL_ROLES)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        reset_dependencies()
        yield env
        reset_dependencies()
