"""Every route of the API contract, over real HTTP against `esctl serve`."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.helpers import Api


@pytest.fixture
def api(stack: Stack) -> Api:
    return Api(stack.api, stack.operator)


def test_the_readme_walkthrough(api: Api):
    account = api.open("Ada")
    assert api.post(f"/accounts/{account}/deposits", {"amount": 2500}).json()["balance"] == 2500
    assert api.post(f"/accounts/{account}/withdrawals", {"amount": 1000}).json()["balance"] == 1500
    started = time.monotonic()
    view = api.converged(account)
    assert time.monotonic() - started < 3
    assert view == {
        "account_id": account,
        "owner": "Ada",
        "currency": "EUR",
        "balance": 1500,
        "available": 1500,
        "pending_debits": 0,
        "pending_credits": 0,
        "status": "open",
        "version": 3,
    }
    events = api.get(f"/accounts/{account}/events").json()["events"]
    assert [e["type"] for e in events] == ["AccountOpened", "Deposited", "Withdrawn"]
    assert api.get(f"/accounts/{account}/state", version=2).json()["balance"] == 2500
    at = events[1]["recorded_at"]
    assert api.get(f"/accounts/{account}/state", at=at).json()["version"] >= 2


def test_transfer_is_atomic(api: Api):
    source, target, usd = api.open(), api.open("Bob"), api.open("Cy", "USD")
    api.post(f"/accounts/{source}/deposits", {"amount": 100})
    ok = api.post("/transfers", {"from_account": source, "to_account": target, "amount": 60})
    assert ok.status_code == 201
    refused = api.post("/transfers", {"from_account": source, "to_account": usd, "amount": 10})
    assert (refused.status_code, refused.json()["error"]) == (409, "currency_mismatch")
    too_much = api.post("/transfers", {"from_account": source, "to_account": target, "amount": 41})
    assert too_much.status_code == 409
    assert api.converged(source)["balance"] == 40
    assert api.converged(target)["balance"] == 60
    assert api.converged(usd)["balance"] == 0


def test_close_and_list(api: Api):
    account = api.open("Closer")
    assert api.post(f"/accounts/{account}/close").status_code == 201
    assert api.converged(account)["status"] == "closed"
    listed: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/accounts", **params).json()
        listed += [a["account_id"] for a in page["accounts"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert account in listed
    assert len(listed) == len(set(listed))


def test_idempotent_retry_and_if_match(api: Api):
    account = api.open()
    first = api.post(f"/accounts/{account}/deposits", {"amount": 5}, key="e2e-retry")
    again = api.post(f"/accounts/{account}/deposits", {"amount": 5}, key="e2e-retry")
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers["idempotent-replayed"] == "true"
    stale = api.post(f"/accounts/{account}/deposits", {"amount": 1}, **{"If-Match": '"1"'})
    assert (stale.status_code, stale.json()["error"]) == (412, "version_mismatch")
    fresh = api.post(
        f"/accounts/{account}/deposits", {"amount": 1}, **{"If-Match": first.headers["etag"]}
    )
    assert fresh.status_code == 201
    assert api.converged(account)["balance"] == 6


def test_docs_and_openapi(api: Api):
    document = api.get("/openapi.json").json()
    assert "/transfers" in document["paths"]
    # The local gateway takes a token or a signature: the document offers both.
    assert document["security"] == [{"sigv4": []}, {"jwt": []}]
    assert "swagger" in api.get("/docs").text.lower()


def test_esctl_verify_history_state_and_tampering(stack: Stack, api: Api):
    account = api.open("Audited")
    api.post(f"/accounts/{account}/deposits", {"amount": 70})
    api.post(f"/accounts/{account}/deposits", {"amount": 30})
    ok = stack.esctl("verify", account)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "1 of 1 streams intact" in ok.stdout
    history = stack.esctl("history", account)
    assert history.returncode == 0
    assert "Deposited" in history.stdout
    state = stack.esctl("state", account, "--version", "2")
    assert state.returncode == 0
    assert "70" in state.stdout

    dynamodb = stack.client("dynamodb")
    table = "ledger-local-events"
    key = {"pk": {"S": f"Account-{account}"}, "sk": {"N": "2"}}
    original = dynamodb.get_item(TableName=table, Key=key)["Item"]
    item = {**original, "events": {"S": original["events"]["S"].replace("70", "700")}}
    dynamodb.put_item(TableName=table, Item=item)
    edited = stack.esctl("verify", account)
    assert edited.returncode == 1
    assert "version 2" in edited.stderr
    assert "edited" in edited.stderr

    dynamodb.delete_item(TableName=table, Key=key)
    deleted = stack.esctl("verify", "--all")
    assert deleted.returncode == 1
    assert "missing" in deleted.stderr
    # Leave the shared stack intact: a projector reading this stream now would park it.
    dynamodb.put_item(TableName=table, Item=original)
    assert stack.esctl("verify", account).returncode == 0


def test_the_readme_quick_start_works_as_written(stack: Stack):
    import os
    import re
    import subprocess

    from tests.e2e.conftest import ROOT, child_env

    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Quick start", 1)[1]
    script = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert script is not None
    lines = script.group(1).replace("http://127.0.0.1:8000", stack.api)
    # esctl finds the local AWS at AWS_ENDPOINT_URL (http://127.0.0.1:5000 by default).
    env = {**child_env(), "AWS_ENDPOINT_URL": stack.aws, "PATH": os.environ["PATH"]}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", lines],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    import json

    # curl prints each body without a newline: read the JSON documents one after another.
    decoder, text, documents = json.JSONDecoder(), done.stdout.strip(), []
    while text:
        document, end = decoder.raw_decode(text)
        documents.append(document)
        text = text[end:].strip()
    deposit, withdrawal, account, events, state, signed, posted, transfer = documents
    assert (deposit["balance"], withdrawal["balance"]) == (2500, 1500)
    assert (account["balance"], account["version"]) == (1500, 3)
    assert signed == account  # the auditor's SigV4-signed read
    assert [e["type"] for e in events["events"]] == ["AccountOpened", "Deposited", "Withdrawn"]
    assert (state["balance"], state["version"]) == (2500, 2)
    # The pending transfer: 500 held, 300 of it posted by the payee, the rest released.
    assert (posted["status"], posted["posted_amount"]) == ("posted", 300)
    assert (transfer["amount"], transfer["posted_amount"], transfer["status"]) == (
        500,
        300,
        "posted",
    )
