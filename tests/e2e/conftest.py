"""One local stack (`esctl serve`) per test session, started as a real subprocess."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from esctl.local_process import ROOT, LocalStackProcess, child_env


@dataclass
class Stack:
    api: str
    aws: str
    running: LocalStackProcess

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


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    running = LocalStackProcess.start()
    stack = Stack(running.api, running.aws, running)
    httpx.get(f"{stack.api}/openapi.json", timeout=10).raise_for_status()
    yield stack
    assert running.stop() == 0, "".join(running.output[-20:])
