"""`http_load`: the local stack over real HTTP, 16 client threads, on 1 account and on 100.

Commands run in `CONTAINERS` worker processes, each with its own warm cache, as concurrent
Lambda containers: writers race, their cached states go stale, and only the conditional
writes keep every update (with the condition removed, a run lost 291 of 400 deposits on one
account). Every client sends deposits with its own Idempotency-Key and retries a 409
`concurrency_conflict` with the same key, as a client should. Afterwards each account's
history is compared with what the clients saw accepted: a lost update is an accepted deposit
missing from the history (or one stored twice). Throughput and latency are moto's on this
machine, for relative comparison only; lost updates are the target.
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from typing import Any

import httpx

from application.callers import Role
from bench.core import Benchmark, Context, Result, rounded
from esctl.local_clients import signed_as
from esctl.local_process import LocalStackProcess

KEY = "http_load"
THREADS = 16
COMMANDS_PER_THREAD = 25
CONTAINERS = 4


def _open(client: httpx.Client) -> str:
    reply = client.post(
        "/accounts",
        json={"owner": "load", "currency": "EUR"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    reply.raise_for_status()
    return str(reply.json()["account_id"])


def _history_amounts(client: httpx.Client, account: str) -> list[int]:
    amounts: list[int] = []
    after = 0
    while True:
        page = client.get(f"/accounts/{account}/events", params={"after": after, "limit": 1000})
        body = page.json()
        amounts += [e["data"]["amount"] for e in body["events"] if e["type"] == "Deposited"]
        if body["next_after"] is None:
            return amounts
        after = body["next_after"]


def _scenario(api: str, accounts: int, auth: httpx.Auth) -> dict[str, Any]:
    with httpx.Client(base_url=api, timeout=60, auth=auth) as setup:
        ids = [_open(setup) for _ in range(accounts)]
    latencies: list[float] = []
    accepted: dict[str, list[int]] = {a: [] for a in ids}
    conflicts = errors = 0
    lock = threading.Lock()

    def client(number: int) -> None:
        nonlocal conflicts, errors
        with httpx.Client(base_url=api, timeout=60, auth=auth) as http:
            for i in range(COMMANDS_PER_THREAD):
                account = ids[(number * COMMANDS_PER_THREAD + i) % len(ids)]
                amount = number * 1000 + i + 1
                key = str(uuid.uuid4())
                started = time.perf_counter()
                while True:
                    reply = http.post(
                        f"/accounts/{account}/deposits",
                        json={"amount": amount},
                        headers={"Idempotency-Key": key},
                    )
                    if reply.status_code != 409:
                        break
                    with lock:
                        conflicts += 1
                with lock:
                    latencies.append(time.perf_counter() - started)
                    if reply.status_code == 201:
                        accepted[account].append(amount)
                    else:
                        errors += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    lost = 0
    with httpx.Client(base_url=api, timeout=60, auth=auth) as check:
        for account, amounts in accepted.items():
            stored = _history_amounts(check, account)
            lost += len(set(amounts) ^ set(stored)) + (len(stored) - len(set(stored)))
    ordered = sorted(latencies)
    return {
        "commands": len(latencies),
        "commands_per_s": rounded(len(latencies) / elapsed, 1),
        "p50_ms": rounded(statistics.median(ordered) * 1000, 1),
        "p99_ms": rounded(ordered[int(len(ordered) * 0.99) - 1] * 1000, 1),
        "conflicts_seen": conflicts,
        "errors": errors,
        "lost_updates": lost,
    }


def _line(figures: dict[str, Any]) -> str:
    return (
        f"{figures['commands_per_s']} cmd/s, p50 {figures['p50_ms']} ms, "
        f"p99 {figures['p99_ms']} ms, {figures['conflicts_seen']} conflicts"
    )


def run(context: Context) -> Result:
    context.close()  # an in-process moto would intercept the HTTP clients' AWS calls
    stack = LocalStackProcess.start(containers=CONTAINERS)
    try:
        # As an operator (a local IAM principal), every request SigV4-signed as on AWS.
        operator = signed_as(stack.aws, Role.OPERATOR)
        one = _scenario(stack.api, 1, operator)
        hundred = _scenario(stack.api, 100, operator)
    finally:
        stack.stop()
    lost = one["lost_updates"] + hundred["lost_updates"]
    errors = one["errors"] + hundred["errors"]
    return Result(
        key=KEY,
        inputs={
            "threads": THREADS,
            "commands_per_thread": COMMANDS_PER_THREAD,
            "command_containers": CONTAINERS,
            "accounts": [1, 100],
        },
        figures={"one_account": one, "hundred_accounts": hundred},
        target="lost updates = 0",
        passed=lost == 0 and errors == 0,
        summary=f"1 account: {_line(one)}; 100 accounts: {_line(hundred)}; lost updates {lost}",
        notes=[
            "latency and throughput are moto's on this machine: compare runs, not clouds",
            "conflicts_seen counts 409s the clients saw, each after the server's own 5 attempts",
        ],
    )


BENCHMARK = Benchmark(KEY, run, "16 HTTP clients against `esctl serve`, 1 and 100 accounts")
