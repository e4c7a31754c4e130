"""Erasure over real HTTP on `esctl serve`: a distinctive name, money moved, the projector,
snapshots and publisher run, then `POST .../erasure`; afterwards no table, object, subscriber
message (delivered before the erasure too) or line of the local stack's output holds the name
in any encoding the code writes, every chain still verifies, and balances are unchanged."""

from __future__ import annotations

import time

from tests.e2e.conftest import Stack
from tests.e2e.helpers import Api
from tests.stored_bytes import everything_stored, holding

NAME = "Wilhelmina Ørnulfsdóttir-Çelebi"


def stored(stack: Stack) -> list[bytes]:
    return everything_stored(stack.client("dynamodb"), stack.client("s3"))


def delivered(stack: Stack, account: str, timeout: float = 60) -> list[bytes]:
    """The example subscription's messages, until the account's opening has arrived."""
    sqs = stack.client("sqs")
    url = sqs.get_queue_url(QueueName="ledger-local-integration-example")["QueueUrl"]
    bodies: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            bodies.append(message["Body"].encode())
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if any(f"Account-{account}:1".encode() in body for body in bodies):
            return bodies
    raise AssertionError("the opening event never reached the example subscription")


def test_an_erased_name_is_nowhere_and_the_ledger_still_verifies(stack: Stack):
    operator: Api = stack.api_as(stack.operator)
    holder: Api = stack.api_as(stack.customer("wilhelmina"))
    account = holder.open(NAME)
    assert operator.post(f"/accounts/{account}/deposits", {"amount": 900}).status_code == 201
    payer = operator.open("Payer")
    operator.post(f"/accounts/{payer}/deposits", {"amount": 100})
    sent = {"from_account": payer, "to_account": account, "amount": 40}
    assert operator.post("/transfers", sent).status_code == 201
    before_erasure = delivered(stack, account)
    seen = holder.converged(account)
    assert seen["owner"] == NAME  # revealed to its holder
    assert holding(stored(stack), NAME) == []  # sealed at rest from the start

    erased = operator.post(f"/accounts/{account}/erasure", {"reason": "GDPR art. 17 request"})
    assert erased.status_code == 201, erased.text
    assert erased.json() == {"account_id": account, "version": seen["version"] + 1, "erased": True}
    after = operator.converged(account)
    assert after == {**seen, "owner": None, "version": seen["version"] + 1}
    state = operator.get(f"/accounts/{account}/state", version=1).json()
    assert state["owner"] is None
    events = operator.get(f"/accounts/{account}/events").json()["events"]
    assert events[0]["data"]["owner"] is None
    assert events[-1]["type"] == "PersonalDataErased"
    again = operator.post(f"/accounts/{account}/erasure", {"reason": "again"})
    assert (again.status_code, again.json()["version"]) == (201, seen["version"] + 1)

    verified = stack.esctl("verify", "--all")
    assert verified.returncode == 0, verified.stderr
    history = stack.esctl("history", account)
    assert history.returncode == 0, history.stderr
    logs = [line.encode() for line in stack.running.output]
    everything = stored(stack) + before_erasure + logs + [history.stdout.encode()]
    assert holding(everything, NAME) == []
