"""One local stack (`esctl serve`) per test session, started as a real subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Stack:
    api: str
    aws: str
    process: subprocess.Popen[str]

    def esctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "esctl", "--endpoint-url", self.aws, *args],
            check=False,  # the tests assert on the exit code
            cwd=ROOT,
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    env["PYTHONPATH"] = f"{ROOT / 'functions'}{os.pathsep}{ROOT}"
    env["COLUMNS"] = "200"
    return env


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    process = subprocess.Popen(
        [sys.executable, "-m", "esctl", "serve", "--port", "0", "--aws-port", "0"],
        cwd=ROOT,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    urls: dict[str, str] = {}
    deadline = time.monotonic() + 60
    assert process.stdout is not None
    while "Local AWS" not in urls:
        line = process.stdout.readline()
        if not line or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"local stack did not start: {line!r}")
        for label in ("API", "Local AWS"):
            if line.startswith(label + " "):
                urls[label] = line.split()[-1]
    stack = Stack(urls["API"], urls["Local AWS"], process)
    # Keep draining its output so a full pipe never blocks the server.
    import threading

    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(process.stdout or []), daemon=True).start()
    httpx.get(f"{stack.api}/openapi.json", timeout=10).raise_for_status()
    yield stack
    process.send_signal(signal.SIGINT)
    try:
        assert process.wait(timeout=20) == 0, "".join(lines[-20:])
    finally:
        if process.poll() is None:
            process.kill()
