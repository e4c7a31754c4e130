"""Concurrent command "containers" for the local stack: worker processes that each serve one
invocation at a time, with module state of their own (warm caches included), as concurrent
Lambda containers do.

One process can serve only one command at a time (Powertools' resolver keeps the current request
on the module-level app), so without these every command waits for the one before it and two
writers never race. With them, commands on one account reach the event table from containers
whose cached states go stale, and only the conditional writes keep every update.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any


class Containers:
    """`count` worker processes running `handler` ("module:function", the command Lambda's by
    default), each invocation going to whichever is free (the pool's queue hands a worker its
    next call when it is done).

    A worker that dies takes its invocation with it (an error, as Lambda reports a crashed
    runtime) and the next invocation starts a fresh set, as Lambda starts new containers.
    """

    def __init__(
        self, count: int, env: dict[str, str], handler: str = "handlers.commands:handler"
    ) -> None:
        self.count = count
        self._env = env
        self._handler = handler
        self._lock = threading.Lock()
        self._pool = self._started()

    def invoke(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        pool = self._pool
        try:
            call = pool.submit(_invoke, self._handler, event, context)
            response: dict[str, Any] = call.result()
        except BrokenProcessPool:
            with self._lock:
                if self._pool is pool:  # not yet replaced by another request
                    pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = self._started()
            raise
        return response

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _started(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(
            max_workers=self.count,
            # Spawned, not forked: this process runs threads (moto, the HTTP server, pollers).
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(self._env, list(sys.path), os.getpid(), self._handler),
        )
        # One call per worker, each long enough that no worker takes two: every one of them
        # has imported the handlers (its cold start) before the first request comes.
        for ready in [pool.submit(_ready) for _ in range(self.count)]:
            ready.result()
        return pool


def _start(env: dict[str, str], path: list[str], parent: int, handler: str) -> None:
    # Ctrl-C in a terminal reaches the whole process group: the stack stops its containers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # And if the stack is killed outright, its containers go too instead of lingering.
    threading.Thread(target=_exit_without, args=(parent,), daemon=True).start()
    os.environ.update(env)
    sys.path[:] = path
    from esctl.metric_lines import WithoutMetricLines

    sys.stdout = WithoutMetricLines(sys.stdout)
    _function(handler)  # the cold start, before the first request


def _exit_without(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def _ready() -> int:
    time.sleep(0.2)
    return os.getpid()


def _function(handler: str) -> Any:
    module, name = handler.split(":")
    return getattr(importlib.import_module(module), name)


def _invoke(handler: str, event: dict[str, Any], context: Any) -> dict[str, Any]:
    response: dict[str, Any] = _function(handler)(event, context)
    return response
