"""`command_cpu_ratio`: CPU per command through the API entry point, against a bare resolver.

Ours: `handlers.commands.handler`, everything the command Lambda runs (Powertools logger,
tracer and metrics decorators, routing, request validation, the idempotency fingerprint,
deciding, sealing the commit's hash, the receipt, the response), for a deposit on a warm
account. The composition root's host is installed (`handlers.bootstrap.use`) over the in-memory
infrastructure, so no I/O is counted: this is the CPU the handler itself burns.

The baseline: a bare `APIGatewayHttpResolver(enable_validation=True)` with one trivial POST route
that validates a one-field pydantic body, fed the same event shape.

Both run alternately, one call each in turn, each call timed in thread CPU time; the figure is
the ratio of the medians.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from pydantic import BaseModel

from bench.core import Benchmark, Context, Result, median, ratio, rounded
from bench.lambda_events import http_post
from esctl.http_gateway import LambdaContext

KEY = "command_cpu_ratio"
WARMUP = 200
CALLS = 2_000
TARGET = 4.0


class TrivialBody(BaseModel):
    amount: int


def trivial_deposit(account_id: str, body: TrivialBody) -> dict[str, Any]:
    return {"account_id": account_id, "amount": body.amount}


def bare_resolver() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)
    app.post("/accounts/<account_id>/deposits")(trivial_deposit)
    return app


def _in_memory_host() -> Any:
    from application.callers import Role
    from bench.lambda_events import TELLER
    from handlers.bootstrap import API
    from hosting.host import Host
    from hosting.memory import InMemoryInfrastructure
    from httpkernel.auth import Authentication
    from installed_domains import DOMAINS

    roles = {TELLER: frozenset({Role.OPERATOR})}
    return Host(
        DOMAINS,
        InMemoryInfrastructure(),
        api=API,
        authentication=lambda: Authentication(iam_roles=roles),
    )


def _cpu_ns(
    call: Callable[[dict[str, Any], Any], dict[str, Any]], event: dict[str, Any], status: int
) -> int:
    """Thread CPU time of one call; its answer must have the expected status."""
    context = LambdaContext()
    started = time.thread_time_ns()
    response = call(event, context)
    elapsed = time.thread_time_ns() - started
    if response["statusCode"] != status:
        raise AssertionError(f"answered {response['statusCode']}: {response.get('body')}")
    return elapsed


def run(_: Context) -> Result:
    from handlers import bootstrap, commands

    bare = bare_resolver()
    bootstrap.use(_in_memory_host())
    ours_ns: list[int] = []
    bare_ns: list[int] = []
    try:
        with redirect_stdout(io.StringIO()):  # EMF metrics lines, as Lambda would ship them
            opening = http_post("/accounts", {"owner": "Ada Lovelace", "currency": "EUR"})
            account_id = json.loads(commands.handler(opening, LambdaContext())["body"])[
                "account_id"
            ]
            path = f"/accounts/{account_id}/deposits"
            events = [http_post(path, {"amount": 100 + n}) for n in range(WARMUP + CALLS)]
            bare_event = http_post(path, {"amount": 100})
            for n, event in enumerate(events):
                ours = _cpu_ns(commands.handler, event, 201)
                theirs = _cpu_ns(bare.resolve, bare_event, 200)
                if n >= WARMUP:
                    ours_ns.append(ours)
                    bare_ns.append(theirs)
    finally:
        bootstrap.use(None)
    ours_us, bare_us = median(ours_ns) / 1e3, median(bare_ns) / 1e3
    figure = ratio(ours_us, bare_us)
    return Result(
        key=KEY,
        inputs={"calls": CALLS, "warmup_calls": WARMUP, "clock": "time.thread_time_ns"},
        figures={
            "ours_us_median": rounded(ours_us, 1),
            "bare_us_median": rounded(bare_us, 1),
            "ratio": rounded(figure),
        },
        target=f"ratio <= {TARGET:g}",
        passed=figure <= TARGET,
        summary=f"{ours_us:.0f} us vs {bare_us:.0f} us per request, ratio {figure:.2f}",
    )


BENCHMARK = Benchmark(KEY, run, "CPU per deposit through the API entry point vs a bare resolver")
