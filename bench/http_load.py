"""`http_load`: the local stack over real HTTP, 16 client threads, on 1 account and on 100.

Commands run in `CONTAINERS` worker processes, each with its own warm cache, as concurrent
Lambda containers: writers race, their cached states go stale, and only the conditional
writes keep every update (with the condition removed, a run lost 291 of 400 deposits on one
account). Every client sends deposits with its own Idempotency-Key and retries a 409
`concurrency_conflict` with the same key, as a client should. Afterwards each account's
history is compared with what the clients saw accepted: a lost update is an accepted deposit
missing from the history (or one stored twice). Throughput and latency are moto's on this
machine, for relative comparison only; lost updates are the target.

A third run mixes pending transfers, posts (in part) and voids among a few hot accounts: every
accepted command must show in the transfer's state and in the accounts' balances, `available`
must never be seen negative, and `esctl audit` must find nothing afterwards.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from typing import Any

import httpx

from application.callers import Role
from bench.core import Benchmark, Context, Result, rounded
from esctl.local_clients import signed_as
from esctl.local_process import LocalStackProcess, child_env

KEY = "http_load"
THREADS = 16
COMMANDS_PER_THREAD = 25
CONTAINERS = 4
HOT_ACCOUNTS = 4
HOLD_FUNDS = 1_000_000


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


class _Holds:
    """What the clients of the holds run saw accepted."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.created: dict[str, tuple[str, str, int]] = {}
        self.settled: dict[str, tuple[str, int]] = {}  # id: (status, posted amount)
        self.latencies: list[float] = []
        self.conflicts = self.errors = self.negative = 0


def _send(http: httpx.Client, path: str, body: Any, seen: _Holds) -> httpx.Response:
    """One command, retried with its key on 409 concurrency_conflict as a client should."""
    key = str(uuid.uuid4())
    started = time.perf_counter()
    while True:
        reply = http.post(path, json=body, headers={"Idempotency-Key": key})
        if reply.status_code != 409 or reply.json().get("error") != "concurrency_conflict":
            break
        with seen.lock:
            seen.conflicts += 1
    with seen.lock:
        seen.latencies.append(time.perf_counter() - started)
    return reply


def _hold_client(http: httpx.Client, ids: list[str], seen: _Holds, rng: random.Random) -> None:
    mine: list[str] = []
    for _ in range(COMMANDS_PER_THREAD):
        if mine and rng.random() < 0.5:
            transfer_id = mine.pop(rng.randrange(len(mine)))
            post = rng.random() < 0.6
            amount = seen.created[transfer_id][2]
            part = rng.randint(1, amount)
            path = f"/transfers/{transfer_id}/{'post' if post else 'void'}"
            reply = _send(http, path, {"amount": part} if post else None, seen)
            if reply.status_code == 201:
                with seen.lock:
                    seen.settled[transfer_id] = ("posted", part) if post else ("voided", 0)
            elif reply.status_code != 409:
                with seen.lock:
                    seen.errors += 1
            continue
        source, target = rng.sample(ids, 2)
        body = {"from_account": source, "to_account": target, "amount": rng.randint(1, 5_000)}
        reply = _send(http, "/transfers", body | {"pending": True}, seen)
        if reply.status_code == 201:
            transfer_id = reply.json()["transfer_id"]
            with seen.lock:
                seen.created[transfer_id] = (source, target, body["amount"])
            mine.append(transfer_id)
        elif reply.status_code != 409:  # insufficient funds is an answer, not an error
            with seen.lock:
                seen.errors += 1
        account = http.get(f"/accounts/{rng.choice(ids)}", params={"consistency": "strong"})
        if account.json()["available"] < 0:
            with seen.lock:
                seen.negative += 1


def _holds_lost(http: httpx.Client, ids: list[str], seen: _Holds) -> int:
    """Accepted commands missing from the transfers' state or the accounts' balances."""
    lost = 0
    balance = dict.fromkeys(ids, HOLD_FUNDS)
    debits: dict[str, int] = defaultdict(int)
    credits: dict[str, int] = defaultdict(int)
    for transfer_id, (source, target, amount) in seen.created.items():
        shown = http.get(f"/transfers/{transfer_id}", params={"consistency": "strong"}).json()
        status, posted = seen.settled.get(transfer_id, ("pending", 0))
        lost += (shown.get("status"), shown.get("posted_amount")) != (status, posted)
        balance[source] -= posted
        balance[target] += posted
        if status == "pending":
            debits[source] += amount
            credits[target] += amount
    for account in ids:
        a = http.get(f"/accounts/{account}", params={"consistency": "strong"}).json()
        expected = (balance[account], debits[account], credits[account])
        lost += (a["balance"], a["pending_debits"], a["pending_credits"]) != expected
    return lost


def _holds_scenario(stack: LocalStackProcess, auth: httpx.Auth) -> dict[str, Any]:
    api = stack.api
    with httpx.Client(base_url=api, timeout=60, auth=auth) as setup:
        ids = [_open(setup) for _ in range(HOT_ACCOUNTS)]
        for account in ids:
            deposit = {"amount": HOLD_FUNDS}
            key = {"Idempotency-Key": str(uuid.uuid4())}
            setup.post(f"/accounts/{account}/deposits", json=deposit, headers=key)
    seen = _Holds()

    def client(number: int) -> None:
        with httpx.Client(base_url=api, timeout=60, auth=auth) as http:
            _hold_client(http, ids, seen, random.Random(number))

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    with httpx.Client(base_url=api, timeout=60, auth=auth) as check:
        lost = _holds_lost(check, ids, seen)
    ordered = sorted(seen.latencies)
    return {
        "commands": len(ordered),
        "commands_per_s": rounded(len(ordered) / elapsed, 1),
        "p50_ms": rounded(statistics.median(ordered) * 1000, 1),
        "p99_ms": rounded(ordered[int(len(ordered) * 0.99) - 1] * 1000, 1),
        "conflicts_seen": seen.conflicts,
        "errors": seen.errors,
        "lost_updates": lost,
        "transfers": len(seen.created),
        "settled": len(seen.settled),
        "negative_available_seen": seen.negative,
        "audit_differences": _audit(stack),
    }


def _audit(stack: LocalStackProcess) -> int:
    """`esctl audit` once the read models have caught up (a few tries); its differences."""
    for _ in range(20):
        run = subprocess.run(
            [sys.executable, "-m", "esctl", "--endpoint-url", stack.aws, "audit"],
            check=False,
            env=child_env(),
            capture_output=True,
            text=True,
        )
        if run.returncode == 0:
            return 0
        time.sleep(1)
    return run.stderr.count("DIFFERS")


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
        holds = _holds_scenario(stack, operator)
    finally:
        stack.stop()
    lost = one["lost_updates"] + hundred["lost_updates"] + holds["lost_updates"]
    errors = one["errors"] + hundred["errors"] + holds["errors"]
    clean = holds["negative_available_seen"] == 0 and holds["audit_differences"] == 0
    return Result(
        key=KEY,
        inputs={
            "threads": THREADS,
            "commands_per_thread": COMMANDS_PER_THREAD,
            "command_containers": CONTAINERS,
            "accounts": [1, 100],
            "holds": f"pending, post and void among {HOT_ACCOUNTS} hot accounts",
        },
        figures={"one_account": one, "hundred_accounts": hundred, "holds": holds},
        target="lost updates = 0; holds: available never negative, esctl audit clean",
        passed=lost == 0 and errors == 0 and clean,
        summary=(
            f"1 account: {_line(one)}; 100 accounts: {_line(hundred)}; holds: {_line(holds)},"
            f" {holds['negative_available_seen']} negative available,"
            f" {holds['audit_differences']} audit differences; lost updates {lost}"
        ),
        notes=[
            "latency and throughput are moto's on this machine: compare runs, not clouds",
            "conflicts_seen counts 409s the clients saw, each after the server's own 5 attempts",
        ],
    )


BENCHMARK = Benchmark(KEY, run, "16 HTTP clients against `esctl serve`, 1 and 100 accounts")
