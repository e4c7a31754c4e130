"""What every benchmark shares: the shape of a result, the registry entry, and the run's context."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.aws import Stack


@dataclass(frozen=True)
class Result:
    """One benchmark's outcome, as printed and as saved in `bench/results.json`.

    `figures` are ratios and counts measured in one run, so they hold on a noisy machine;
    absolute times are there for context only.
    """

    key: str
    inputs: dict[str, Any]
    figures: dict[str, Any]
    target: str
    passed: bool
    summary: str
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "inputs": self.inputs,
            "figures": self.figures,
            "target": self.target,
            "pass": self.passed,
            "summary": self.summary,
            "notes": self.notes,
            "seconds": round(self.seconds, 1),
        }


@dataclass(frozen=True)
class Benchmark:
    """A registry entry: the key it reports under and the function that measures it."""

    key: str
    run: Callable[[Context], Result]
    description: str


class Context:
    """Fixtures that several benchmarks share, built on first use and torn down at the end.

    Building a 10,000-event history in moto takes seconds, so histories live here, keyed by
    length, and every benchmark that needs one reuses it.

    `stack()` starts moto in-process (`mock_aws`), which intercepts every botocore client in
    this process until `close()`. A benchmark that talks to a real endpoint, such as the local
    stack over HTTP, calls `close()` first (a later `stack()` starts a fresh one).
    """

    def __init__(self) -> None:
        self._exit = ExitStack()
        self._stack: Stack | None = None

    def stack(self) -> Stack:
        """The ledger's tables and bucket in an in-process moto, provisioned like the real stack."""
        if self._stack is None:
            from bench.aws import Stack

            self._stack = self._exit.enter_context(Stack.started())
        return self._stack

    def close(self) -> None:
        self._exit.close()
        self._stack = None


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("inf")


def rounded(value: float, digits: int = 2) -> float:
    return round(value, digits)
