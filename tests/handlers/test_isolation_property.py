"""A property of ownership: whatever one customer sends, another customer's account changes only
by transfers into it, each recorded as exactly what the sender was answered."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.handlers.test_access import MISSING, funded, get, opened, post

pytestmark = pytest.mark.usefixtures("stack")

# Which account a request is about: the sender's own, the victim's, or one that does not exist.
TARGETS = ("own", "victims", "missing")

request = st.one_of(
    st.tuples(st.just("withdraw"), st.sampled_from(TARGETS), st.integers(-5, 150)),
    st.tuples(st.just("deposit"), st.sampled_from(TARGETS), st.integers(1, 150)),
    st.tuples(st.just("close"), st.sampled_from(TARGETS), st.just(0)),
    st.tuples(
        st.just("transfer"),
        st.tuples(st.sampled_from(TARGETS), st.sampled_from(TARGETS)),
        st.integers(-5, 150),
    ),
    st.tuples(st.just("open"), st.just("own"), st.just(0)),
)


def send(accounts: dict[str, str], op: str, target: Any, amount: int) -> int:
    """One request of the attacker's, `mallory`: its HTTP status."""
    if op == "open":
        return post("mallory", "/accounts", {"owner": "M", "currency": "EUR"}).status
    if op == "transfer":
        source, to = (accounts[t] for t in target)
        body = {"from_account": source, "to_account": to, "amount": amount}
        return post("mallory", "/transfers", body).status
    path = f"/accounts/{accounts[target]}"
    if op == "close":
        return post("mallory", f"{path}/close").status
    noun = {"withdraw": "withdrawals", "deposit": "deposits"}[op]
    return post("mallory", f"{path}/{noun}", {"amount": amount}).status


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(request, min_size=1, max_size=8))
def test_one_customer_cannot_change_another_s_account_except_by_paying_into_it(requests):
    accounts = {"own": funded("mallory", 100), "victims": funded("victim", 100)}
    accounts["missing"] = MISSING
    before = get("victim", f"/accounts/{accounts['victims']}/events").json["events"]
    paid_in = 0
    for op, target, amount in requests:
        status = send(accounts, op, target, amount)
        assert status < 500
        if op == "transfer" and target == ("own", "victims") and status == 201:
            paid_in += amount
        if status == 201 and op != "open":
            # Mallory's requests succeed on its own account only (a transfer from it).
            assert (target if op != "transfer" else target[0]) == "own", (op, target)
    victims = get("victim", f"/accounts/{accounts['victims']}", consistency="strong").json
    assert (victims["balance"], victims["status"]) == (100 + paid_in, "open")
    after = get("victim", f"/accounts/{accounts['victims']}/events").json["events"]
    assert after[: len(before)] == before
    added = after[len(before) :]
    assert all(e["type"] == "TransferReceived" for e in added)
    assert sum(e["data"]["amount"] for e in added) == paid_in
    assert all(e["data"]["from_account"] == accounts["own"] for e in added)


def test_the_attacker_s_own_account_still_works():
    # The property above would hold vacuously if Mallory could do nothing at all.
    own, victims = funded("mallory", 100), opened("victim")
    transfer = {"from_account": own, "to_account": victims, "amount": 40}
    assert post("mallory", "/transfers", transfer).status == 201
    assert post("mallory", f"/accounts/{own}/withdrawals", {"amount": 60}).status == 201
    assert post("mallory", f"/accounts/{own}/close").status == 201
