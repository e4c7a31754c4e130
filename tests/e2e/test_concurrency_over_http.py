"""Many clients at once over HTTP: nothing lost, nothing doubled, money conserved."""

from __future__ import annotations

import random
import threading
import time
import uuid

from tests.e2e.conftest import Stack
from tests.e2e.helpers import Api


def post_with_retries(api: Api, path: str, body: dict[str, object]) -> int:
    """Retry 409 concurrency_conflict and 503 with the same Idempotency-Key, as a client should."""
    key = str(uuid.uuid4())
    for _ in range(50):
        reply = api.post(path, body, key=key)
        if reply.status_code == 409 and reply.json()["error"] == "concurrency_conflict":
            continue
        if reply.status_code == 503:  # the local AWS is saturated: back off as told
            time.sleep(float(reply.headers.get("retry-after", "1")))
            continue
        return reply.status_code
    raise AssertionError(f"{path} kept conflicting")


def test_sixteen_clients_depositing_and_transferring(stack: Stack):
    api = Api(stack.api, stack.operator)
    hot = api.open("Hot")
    accounts = [api.open(f"Pool {n}") for n in range(10)]
    for account in accounts:
        assert api.post(f"/accounts/{account}/deposits", {"amount": 1000}).status_code == 201
    accepted: list[int] = []
    transfers: list[int] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        mine = Api(stack.api, stack.operator)
        rnd = random.Random(number)
        for i in range(25):
            amount = number * 100 + i + 1
            if post_with_retries(mine, f"/accounts/{hot}/deposits", {"amount": amount}) == 201:
                with lock:
                    accepted.append(amount)
            source, target = rnd.sample(accounts, 2)
            status = post_with_retries(
                mine,
                "/transfers",
                {"from_account": source, "to_account": target, "amount": rnd.randint(1, 50)},
            )
            with lock:
                transfers.append(status)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(accepted) == 16 * 25  # with retries every deposit lands
    hot_view = api.converged(hot, timeout=15)
    assert hot_view["balance"] == sum(accepted)
    assert hot_view["version"] == 1 + len(accepted)
    events = []
    after = 0
    while True:
        page = api.get(f"/accounts/{hot}/events", after=after, limit=1000).json()
        events += page["events"]
        if page["next_after"] is None:
            break
        after = page["next_after"]
    deposited = sorted(e["data"]["amount"] for e in events if e["type"] == "Deposited")
    assert deposited == sorted(accepted)  # each accepted deposit exactly once
    assert set(transfers) <= {201, 409}
    balances = [api.converged(a, timeout=15)["balance"] for a in accounts]
    assert sum(balances) == 10 * 1000  # transfers neither create nor destroy money
    assert all(b >= 0 for b in balances)
    verified = stack.esctl("verify", "--all")
    assert verified.returncode == 0, verified.stderr
