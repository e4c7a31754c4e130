"""`esctl serve --containers`: command containers as worker processes, as Lambda runs them."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pytest

from esctl.local_containers import Containers


def overlapping(event: dict[str, Any], context: Any) -> dict[str, Any]:
    started = time.time()
    time.sleep(0.5)
    return {"pid": os.getpid(), "started": started, "ended": time.time(), **event}


def crashing_when_told(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("crash"):
        os._exit(1)  # the runtime dies mid-invocation
    return {"pid": os.getpid(), "env": os.environ.get("LEDGER_PROBE")}


def test_invocations_run_at_once_in_separate_processes():
    containers = Containers(2, {}, handler=f"{__name__}:overlapping")
    try:
        with ThreadPoolExecutor(2) as threads:
            replies = list(threads.map(lambda n: containers.invoke({"n": n}, None), range(2)))
    finally:
        containers.close()
    assert sorted(r["n"] for r in replies) == [0, 1]
    assert len({r["pid"] for r in replies} | {os.getpid()}) == 3
    assert max(r["started"] for r in replies) < min(r["ended"] for r in replies)


def test_a_crashed_container_fails_its_invocation_and_is_replaced():
    env = {"LEDGER_PROBE": "set in the container"}
    containers = Containers(1, env, handler=f"{__name__}:crashing_when_told")
    try:
        first = containers.invoke({}, None)
        with pytest.raises(BrokenProcessPool):
            containers.invoke({"crash": True}, None)
        after = containers.invoke({}, None)
    finally:
        containers.close()
    assert after["env"] == first["env"] == "set in the container"
    assert after["pid"] != first["pid"]
