"""Pending transfers over real HTTP on `esctl serve`: a payer's funds held, posted in part by
the payee, and a short timeout that expires by itself (the local stack runs the domains' jobs
every 2 s), each answered with the contract's fields."""

from __future__ import annotations

import time
from typing import Any

from tests.e2e.conftest import Stack
from tests.e2e.helpers import Api


def funded(operator: Api, owner_api: Api, amount: int) -> str:
    account = owner_api.open("Payer")
    assert operator.post(f"/accounts/{account}/deposits", {"amount": amount}).status_code == 201
    return account


def money(api: Api, account: str) -> tuple[int, int, int, int]:
    a = api.get(f"/accounts/{account}", consistency="strong").json()
    return a["balance"], a["available"], a["pending_debits"], a["pending_credits"]


def until(check: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_a_hold_is_posted_in_part_by_the_payee(stack: Stack):
    operator = stack.api_as(stack.operator)
    ada, bob = stack.api_as(stack.customer("ada-t")), stack.api_as(stack.customer("bob-t"))
    source, target = funded(operator, ada, 100), bob.open("Payee")
    body = {"from_account": source, "to_account": target, "amount": 60, "pending": True}
    created = ada.post("/transfers", body)
    assert created.status_code == 201, created.text
    transfer_id = created.json()["transfer_id"]
    assert created.json()["status"] == "pending"
    assert money(ada, source) == (100, 40, 60, 0)
    posted = bob.post(f"/transfers/{transfer_id}/post", {"amount": 25})
    assert posted.status_code == 201, posted.text
    assert (posted.json()["status"], posted.json()["posted_amount"]) == ("posted", 25)
    assert money(ada, source) == (75, 75, 0, 0)
    assert money(bob, target) == (25, 25, 0, 0)
    shown = ada.get(f"/transfers/{transfer_id}", consistency="strong").json()
    assert (shown["status"], shown["posted_amount"], shown["version"]) == ("posted", 25, 2)
    events = bob.get(f"/transfers/{transfer_id}/events").json()["events"]
    assert [e["type"] for e in events] == ["TransferCreated", "TransferPosted"]

    shown = stack.esctl("transfer", transfer_id)
    assert shown.returncode == 0, shown.stderr
    assert "posted" in shown.stdout
    assert "TransferPosted" in shown.stdout
    assert stack.esctl("transfer", "0a0a0a0a-0000-4000-8000-000000000000").returncode == 2
    # Other tests share this stack: the read models may lag a moment behind their commands.
    # Other tests share this stack (one rebuilds the accounts read model, one parks a stream),
    # so accounts' views may be elsewhere for a while: the audit must find nothing wrong with
    # this test's transfer. The whole audit is checked clean on a stack of its own (bench
    # http_load) and on moto (tests/handlers/test_transfers.py).
    mine = (transfer_id,)

    def clean_for_mine() -> bool:
        run = stack.esctl("audit")
        assert "accounts" in run.stdout, run.stderr  # it ran to the end
        return not [line for line in run.stderr.splitlines() if any(m in line for m in mine)]

    assert until(clean_for_mine, timeout=15), stack.esctl("audit").stderr


def test_a_short_timeout_expires_without_anyone_calling(stack: Stack):
    operator = stack.api_as(stack.operator)
    source, target = funded(operator, operator, 100), operator.open("Payee")
    body = {
        "from_account": source,
        "to_account": target,
        "amount": 70,
        "pending": True,
        "timeout_seconds": 1,
    }
    created = operator.post("/transfers", body)
    assert created.status_code == 201, created.text
    transfer_id = created.json()["transfer_id"]

    def expired() -> bool:
        reply = operator.get(f"/transfers/{transfer_id}", consistency="strong")
        return reply.status_code == 200 and reply.json()["status"] == "expired"

    started = time.monotonic()
    assert until(expired, timeout=10), "not expired within 10 s"
    waited = time.monotonic() - started
    assert money(operator, source) == (100, 100, 0, 0)
    assert money(operator, target) == (0, 0, 0, 0)
    late = operator.post(f"/transfers/{transfer_id}/post", {})
    assert (late.status_code, late.json()["error"]) == (409, "transfer_not_pending")
    events = operator.get(f"/transfers/{transfer_id}/events").json()["events"]
    assert [(e["type"], e["actor"]) for e in events][-1] == ("TransferExpired", "system")
    print(f"expired {waited:.1f} s after creation")
