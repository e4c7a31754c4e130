"""The operator CLI against the running local stack: rebuild, parked streams, naming any
stream, and digests with the proofs they make possible."""

from __future__ import annotations

import json

from tests.e2e.conftest import Stack
from tests.e2e.helpers import Api


def test_blue_green_rebuild_switches_readers_and_keeps_serving(stack: Stack):
    api = Api(stack.api, stack.operator)
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
    only = stack.esctl("parked", "--model", "accounts")
    assert only.returncode == 0, only.stderr
    unknown = stack.esctl("parked", "--model", "nope")
    assert unknown.returncode == 2
    assert "known: accounts" in unknown.stderr


def test_streams_are_named_by_id_by_stream_id_or_by_category(stack: Stack):
    api = Api(stack.api, stack.operator)
    account = api.open("Named")
    api.post(f"/accounts/{account}/deposits", {"amount": 42})
    for how in ([account], [f"Account-{account}"], [account, "--category", "Account"]):
        history = stack.esctl("history", *how)
        assert history.returncode == 0, history.stderr
        assert "Deposited v1" in history.stdout
        state = stack.esctl("state", *how)
        assert state.returncode == 0, state.stderr
        assert f"Account-{account}" in state.stdout
        assert "42" in state.stdout
        assert stack.esctl("verify", *how).returncode == 0
    wrong = stack.esctl("history", account, "--category", "Order")
    assert wrong.returncode == 2
    assert "known: Account" in wrong.stderr
    missing = stack.esctl("state", "no-such-account")
    assert missing.returncode == 2
    assert stack.esctl("rebuild", "orders").returncode == 2


def test_a_commit_is_proved_by_a_signed_digest_and_checked_offline(stack: Stack, tmp_path):
    api = Api(stack.api, stack.operator)
    account = api.open("Proved")
    api.post(f"/accounts/{account}/deposits", {"amount": 25})
    api.converged(account)  # projected, so its stream is marked for the next digest
    digested = stack.esctl("digest")  # the local schedule may have signed it already
    assert digested.returncode == 0, digested.stderr
    key = stack.esctl("public-key")
    assert key.returncode == 0, key.stderr
    assert key.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    pem = tmp_path / "digest.pem"
    pem.write_text(key.stdout)

    path = tmp_path / "proof.json"
    made = stack.esctl("proof", account, "--version", "2", "--output", str(path))
    assert made.returncode == 0, made.stderr
    checked = stack.esctl("verify-proof", str(path), "--public-key", str(pem))
    assert checked.returncode == 0, checked.stderr
    assert f"VALID Account-{account} version 2" in checked.stdout

    proof = json.loads(path.read_text())
    proof["commits"][0]["content"]["events"][0]["data"]["amount"] = 2500
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(proof))
    refused = stack.esctl("verify-proof", str(forged), "--public-key", str(pem))
    assert refused.returncode == 1
    assert "INVALID" in refused.stderr
    too_new = stack.esctl("proof", account, "--version", "99")
    assert too_new.returncode == 2

    audited = stack.esctl("verify", "--all")
    assert audited.returncode == 0, audited.stderr
    assert "against" in audited.stdout
    assert "digests" in audited.stdout
    every = stack.esctl("digest", "--all")  # every stream's head, changed or not
    assert every.returncode == 0, every.stderr
    assert "streams" in every.stdout
    assert "digest " in every.stdout
