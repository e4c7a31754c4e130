"""`esctl serve` as a child process, for the end-to-end tests and the HTTP benchmark."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child_env() -> dict[str, str]:
    """This environment minus any AWS or Powertools settings: the child makes its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "functions"), str(ROOT)])
    env["COLUMNS"] = "200"
    return env


@dataclass
class LocalStackProcess:
    api: str
    aws: str
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, timeout: float = 60, containers: int = 1) -> LocalStackProcess:
        command = ["serve", "--port", "0", "--aws-port", "0", "--containers", str(containers)]
        process = subprocess.Popen(
            [sys.executable, "-m", "esctl", *command],
            cwd=ROOT,
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout is not None
        urls: dict[str, str] = {}
        deadline = time.monotonic() + timeout
        while "Local AWS" not in urls:
            line = process.stdout.readline()
            if not line or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"the local stack did not start: {line!r}")
            for label in ("API", "Local AWS"):
                if line.startswith(label + " "):
                    urls[label] = line.split()[-1]
        started = cls(urls["API"], urls["Local AWS"], process)
        # Keep draining its output so that a full pipe never blocks the server.
        threading.Thread(
            target=lambda: started.output.extend(process.stdout or []), daemon=True
        ).start()
        return started

    def stop(self, timeout: float = 20) -> int:
        """Ctrl-C, as a user would; the exit code (killed if it does not stop in time)."""
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()
