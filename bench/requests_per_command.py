"""`requests_per_command`: DynamoDB and S3 requests one deposit costs, warm and cold; and what a
pending transfer's create, post and void cost (three streams each).

A deposit goes through the command Lambda's entry point (`handlers.commands.handler`) with the
ledger the handlers build from their environment, over the stack in moto. Requests are counted
on the handlers' own boto3 clients with botocore's event hooks. Histories of 10, 1,000 and
10,000 events carry snapshots every 100 versions, written as the projector writes them.

Cold: a fresh ledger (a new container, or a state evicted from the cache): the first command on
the account. Warm: the next commands on the same account, state in the cache. The transfers run
from the 10,000-event account to a new one; cold, each may read every stream it touches at most
twice (a snapshot GET and a Query) before its one write.
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


def command(path: str, body: dict[str, Any]) -> dict[str, Any]:
    """One command through the command Lambda's entry point; its response body."""
    from handlers import commands

    event = http_post(path, body)
    with redirect_stdout(io.StringIO()):  # the metrics (EMF) line Lambda would ship to CloudWatch
        response = commands.handler(event, LambdaContext())
    if response["statusCode"] != 201:
        raise AssertionError(f"{path} answered {response['statusCode']}: {response['body']}")
    answer: dict[str, Any] = json.loads(response["body"])
    return answer


def deposit(account_id: str, amount: int) -> dict[str, Any]:
    return command(f"/accounts/{account_id}/deposits", {"amount": amount})


def _hold(source: str, target: str) -> str:
    body = {"from_account": source, "to_account": target, "amount": 1, "pending": True}
    return str(command("/transfers", body)["transfer_id"])


def _transfers(source: str, requests: Requests) -> dict[str, dict[str, Counter[str]]]:
    """Cold and warm calls of a pending transfer's create, post and void."""
    from handlers import bootstrap

    target = str(command("/accounts", {"owner": "Payee", "currency": "EUR"})["account_id"])
    later = [_hold(source, target) for _ in range(2)]  # settled cold, below
    measured: dict[str, dict[str, Counter[str]]] = {}
    bootstrap.use(None)
    _taken(requests)
    held = _hold(source, target)
    measured["pending"] = {"cold": _taken(requests)}
    held_too = _hold(source, target)
    measured["pending"]["warm"] = _taken(requests)
    command(f"/transfers/{held}/post", {})
    measured["post"] = {"warm": _taken(requests)}
    command(f"/transfers/{held_too}/void", {})
    measured["void"] = {"warm": _taken(requests)}
    for name, transfer_id in zip(("post", "void"), later, strict=True):
        bootstrap.use(None)
        _taken(requests)
        command(f"/transfers/{transfer_id}/{name}", {})
        measured[name]["cold"] = _taken(requests)
    return measured


def _taken(requests: Requests) -> Counter[str]:
    """The calls since the last take, less the snapshot key's `GetPublicKey`: a container makes
    it once, the first time it checks a snapshot, not per command."""
    calls = requests.take()
    calls.pop("GetPublicKey", None)
    return calls


def _described(calls: Counter[str]) -> str:
    return " + ".join(f"{n} {name}" if n > 1 else name for name, n in sorted(calls.items()))


def _measure(history: History, requests: Requests) -> tuple[Counter[str], Counter[str]]:
    """(cold calls, the warm command with the most calls) for one account."""
    from handlers import bootstrap

    bootstrap.use(None)  # a new container: nothing cached
    _taken(requests)
    deposit(history.account_id, 100)
    cold = _taken(requests)
    warm = []
    for _ in range(WARM_COMMANDS):
        deposit(history.account_id, 100)
        warm.append(_taken(requests))
    return cold, max(warm, key=lambda calls: calls.total())


def run(context: Context) -> Result:
    stack = context.stack()
    histories = {size: stack.history(size) for size in SIZES}
    cold: dict[str, int] = {}
    warm: dict[str, int] = {}
    breakdown: dict[str, dict[str, str]] = {}
    with handlers_on(stack):
        from handlers import bootstrap

        # KMS too: a command on an existing account must not touch a personal-data key.
        clients = bootstrap.client("dynamodb"), bootstrap.client("s3"), bootstrap.client("kms")
        with Requests(*clients) as requests:
            for size, history in histories.items():
                cold_calls, warm_calls = _measure(history, requests)
                cold[str(size)], warm[str(size)] = cold_calls.total(), warm_calls.total()
                breakdown[str(size)] = {
                    "cold": _described(cold_calls),
                    "warm": _described(warm_calls),
                }
            transfers = _transfers(histories[SIZES[-1]].account_id, requests)
    counts = {
        name: {when: calls.total() for when, calls in runs.items()}
        for name, runs in transfers.items()
    }
    # Three streams each: cold, at most two reads per stream and the write.
    passed = (
        all(n == 1 for n in warm.values())
        and all(n <= 3 for n in cold.values())
        and all(c["warm"] == 1 and c["cold"] <= 2 * 3 + 1 for c in counts.values())
    )
    return Result(
        key=KEY,
        inputs={
            "history_events": list(SIZES),
            "snapshot_every": 100,
            "command": "POST /accounts/{id}/deposits through handlers.commands.handler",
            "warm_commands_per_size": WARM_COMMANDS,
        },
        figures={
            "warm": warm,
            "cold": cold,
            "requests": breakdown,
            "transfers": counts,
            "transfer_requests": {
                name: {when: _described(calls) for when, calls in runs.items()}
                for name, runs in transfers.items()
            },
        },
        target="deposits: warm = 1 and cold <= 3 at every size; pending, post and void: warm = 1"
        " and cold <= 7 (two reads per stream touched, plus the write)",
        passed=passed,
        summary=(
            f"warm {'/'.join(map(str, warm.values()))}, cold {'/'.join(map(str, cold.values()))}"
            f" (cold = {breakdown[str(SIZES[-1])]['cold']}); pending/post/void warm "
            + "/".join(str(counts[n]["warm"]) for n in ("pending", "post", "void"))
            + ", cold "
            + "/".join(str(counts[n]["cold"]) for n in ("pending", "post", "void"))
        ),
    )


BENCHMARK = Benchmark(
    KEY, run, "AWS requests per deposit by history length, and per pending, post and void"
)
