"""`requests_per_command`: DynamoDB and S3 requests one deposit costs, warm and cold.

A deposit goes through the command Lambda's entry point (`handlers.commands.handler`) with the
ledger the handlers build from their environment, over the stack in moto. Requests are counted
on the handlers' own boto3 clients with botocore's event hooks. Histories of 10, 1,000 and
10,000 events carry snapshots every 100 versions, written as the projector writes them.

Cold: a fresh ledger (a new container, or a state evicted from the cache): the first command on
the account. Warm: the next commands on the same account, state in the cache.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from contextlib import redirect_stdout
from typing import Any

from bench.aws import History, Requests, handlers_on
from bench.core import Benchmark, Context, Result
from bench.lambda_events import http_post
from esctl.http_gateway import LambdaContext

KEY = "requests_per_command"
SIZES = (10, 1_000, 10_000)
WARM_COMMANDS = 3


def deposit(account_id: str, amount: int) -> dict[str, Any]:
    """One deposit through the command Lambda's entry point; its response body."""
    from handlers import commands

    event = http_post(f"/accounts/{account_id}/deposits", {"amount": amount})
    with redirect_stdout(io.StringIO()):  # the metrics (EMF) line Lambda would ship to CloudWatch
        response = commands.handler(event, LambdaContext())
    if response["statusCode"] != 201:
        raise AssertionError(f"deposit answered {response['statusCode']}: {response['body']}")
    body: dict[str, Any] = json.loads(response["body"])
    return body


def _described(calls: Counter[str]) -> str:
    return " + ".join(f"{n} {name}" if n > 1 else name for name, n in sorted(calls.items()))


def _measure(history: History, requests: Requests) -> tuple[Counter[str], Counter[str]]:
    """(cold calls, the warm command with the most calls) for one account."""
    from handlers import bootstrap

    bootstrap.use(None)  # a new container: nothing cached
    requests.take()
    deposit(history.account_id, 100)
    cold = requests.take()
    warm = []
    for _ in range(WARM_COMMANDS):
        deposit(history.account_id, 100)
        warm.append(requests.take())
    return cold, max(warm, key=lambda calls: calls.total())


def run(context: Context) -> Result:
    stack = context.stack()
    histories = {size: stack.history(size) for size in SIZES}
    cold: dict[str, int] = {}
    warm: dict[str, int] = {}
    breakdown: dict[str, dict[str, str]] = {}
    with handlers_on(stack):
        from handlers import bootstrap

        clients = bootstrap.client("dynamodb"), bootstrap.client("s3")
        with Requests(*clients) as requests:
            for size, history in histories.items():
                cold_calls, warm_calls = _measure(history, requests)
                cold[str(size)], warm[str(size)] = cold_calls.total(), warm_calls.total()
                breakdown[str(size)] = {
                    "cold": _described(cold_calls),
                    "warm": _described(warm_calls),
                }
    passed = all(n == 1 for n in warm.values()) and all(n <= 3 for n in cold.values())
    return Result(
        key=KEY,
        inputs={
            "history_events": list(SIZES),
            "snapshot_every": 100,
            "command": "POST /accounts/{id}/deposits through handlers.commands.handler",
            "warm_commands_per_size": WARM_COMMANDS,
        },
        figures={"warm": warm, "cold": cold, "requests": breakdown},
        target="warm = 1 and cold <= 3 at every size",
        passed=passed,
        summary=(
            f"warm {'/'.join(map(str, warm.values()))}, cold {'/'.join(map(str, cold.values()))}"
            f" (cold = {breakdown[str(SIZES[-1])]['cold']})"
        ),
    )


BENCHMARK = Benchmark(KEY, run, "AWS requests per deposit, warm and cold, by history length")
