"""The operator CLI against the running local stack: rebuild and parked streams."""

from __future__ import annotations

from tests.e2e.conftest import Stack
from tests.e2e.helpers import Api


def test_blue_green_rebuild_switches_readers_and_keeps_serving(stack: Stack):
    api = Api(stack.api)
    accounts = [api.open(f"Rebuilt {n}") for n in range(3)]
    for n, account in enumerate(accounts):
        api.post(f"/accounts/{account}/deposits", {"amount": 100 + n})
    before = [api.converged(a) for a in accounts]

    rebuilt = stack.esctl("rebuild", "accounts", "--settle-seconds", "0.2")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "readers switched from blue" in rebuilt.stdout
    assert "events/s" in rebuilt.stdout

    dynamodb = stack.client("dynamodb")
    pointer = dynamodb.get_item(
        TableName="ledger-local-projections",
        Key={"pk": {"S": "active"}, "sk": {"S": "accounts"}},
    )["Item"]
    assert pointer["slot"]["S"] == "green"
    green = dynamodb.scan(TableName="ledger-local-accounts-green")["Items"]
    rebuilt_ids = {item["account_id"]["S"] for item in green}
    assert set(accounts) <= rebuilt_ids
    assert [api.converged(a) for a in accounts] == before


def test_parked_streams_listing(stack: Stack):
    listed = stack.esctl("parked")
    assert listed.returncode == 0, listed.stderr
    assert "no parked streams" in listed.stdout
    replayed = stack.esctl("parked", "--replay")
    assert replayed.returncode == 0, replayed.stderr
