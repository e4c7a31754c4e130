"""Concurrent command "containers" for the local stack: worker processes that each serve one
invocation at a time, with module state of their own (warm caches included), as concurrent
Lambda containers do.

One process can serve only one command at a time (Powertools' resolver keeps the current request
on the module-level app), so without these every command waits for the one before it and two
writers never race. With them, commands on one account reach the event table from containers
whose cached states go stale, and only the conditional writes keep every update.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any


class Containers:
    """`count` worker processes running `handlers.commands.handler`, each invocation going to
    whichever is free (the pool's queue hands a worker its next call when it is done)."""

    def __init__(self, count: int, env: dict[str, str]) -> None:
        # Spawned, not forked: this process runs threads (moto, the HTTP server, pollers).
        self._pool = ProcessPoolExecutor(
            max_workers=count,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(env, list(sys.path)),
        )
        self.count = count
        # Start them all now, so the first requests do not pay for the imports.
        for ready in [self._pool.submit(_ready) for _ in range(count)]:
            ready.result()

    def invoke(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        response: dict[str, Any] = self._pool.submit(_invoke, event, context).result()
        return response

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _start(env: dict[str, str], path: list[str]) -> None:
    # Ctrl-C in a terminal reaches the whole process group: the stack stops its containers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.update(env)
    sys.path[:] = path
    from esctl.local_stack import WithoutMetricLines

    sys.stdout = WithoutMetricLines(sys.stdout)
    import handlers.commands  # noqa: F401  (a cold start, before the first request)


def _ready() -> bool:
    return True


def _invoke(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from handlers import commands

    response: dict[str, Any] = commands.handler(event, context)
    return response
