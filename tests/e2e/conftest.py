"""One local stack (`esctl serve`) per test session, started as a real subprocess."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import boto3
import httpx
import pytest

from application.callers import Role
from esctl.local_clients import bearer, signed_as
from esctl.local_process import ROOT, LocalStackProcess, child_env
from tests.e2e.helpers import Api


@dataclass
class Stack:
    api: str
    aws: str
    running: LocalStackProcess

    @cached_property
    def operator(self) -> httpx.Auth:
        """Signed (SigV4) by the local stack's operator principal."""
        return signed_as(self.aws, Role.OPERATOR)

    @cached_property
    def auditor(self) -> httpx.Auth:
        return signed_as(self.aws, Role.AUDITOR)

    def customer(self, subject: str) -> httpx.Auth:
        """A bearer token of the local issuer for a customer `subject`."""
        return bearer(self.aws, subject, Role.CUSTOMER)

    def api_as(self, auth: httpx.Auth) -> Api:
        return Api(self.api, auth)

    def client(self, service: str) -> Any:
        """A boto3 client of the local AWS, as an operator poking at it by hand would make."""
        return boto3.client(
            service,
            endpoint_url=self.aws,
            region_name="eu-west-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def esctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "esctl", "--endpoint-url", self.aws, *args],
            check=False,  # the tests assert on the exit code
            cwd=ROOT,
            env=child_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )


# Commands run in two containers (processes) at once, so concurrent clients race as they would
# on AWS: a single one would serve them one after another.
CONTAINERS = 2


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    running = LocalStackProcess.start(containers=CONTAINERS)
    stack = Stack(running.api, running.aws, running)
    httpx.get(f"{stack.api}/openapi.json", timeout=10).raise_for_status()
    yield stack
    assert running.stop() == 0, "".join(running.output[-20:])
