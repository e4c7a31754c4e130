"""Command routes through the Lambda entry point, over moto."""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest

from tests.http import OTHER_TELLER, TELLER, Reply, call, http_event, session

pytestmark = pytest.mark.usefixtures("stack")


def post(path: str, body: Any = None, **options: Any) -> Reply:
    return call(http_event("POST", path, body, **options))


def get(path: str, **query: Any) -> Reply:
    return call(http_event("GET", path, query=query))


def open_account(owner: str = "Ada", currency: str = "EUR") -> str:
    reply = post("/accounts", {"owner": owner, "currency": currency})
    assert reply.status == 201, reply.text
    return str(reply.json["account_id"])


def funded(amount: int, currency: str = "EUR") -> str:
    account = open_account(currency=currency)
    assert post(f"/accounts/{account}/deposits", {"amount": amount}).status == 201
    return account


def events_of(account: str) -> list[dict[str, Any]]:
    return list(get(f"/accounts/{account}/events").json["events"])


def commits_in_table() -> int:
    from handlers import bootstrap

    table = bootstrap.settings().events_table
    return int(boto3.client("dynamodb").scan(TableName=table, Select="COUNT")["Count"])


def test_open_account():
    reply = post("/accounts", {"owner": "Ada Lovelace", "currency": "EUR"})
    assert reply.status == 201
    assert set(reply.json) == {"account_id", "version"}
    assert reply.json["version"] == 1
    assert reply.headers["etag"] == '"1"'


def test_deposit_and_withdraw():
    account = open_account()
    reply = post(f"/accounts/{account}/deposits", {"amount": 2500})
    assert (reply.status, reply.json) == (
        201,
        {"account_id": account, "version": 2, "balance": 2500},
    )
    assert reply.headers["etag"] == '"2"'
    reply = post(f"/accounts/{account}/withdrawals", {"amount": 1000})
    assert (reply.status, reply.json) == (
        201,
        {"account_id": account, "version": 3, "balance": 1500},
    )


def test_overdraft_is_409_insufficient_funds():
    account = funded(100)
    reply = post(f"/accounts/{account}/withdrawals", {"amount": 101})
    assert (reply.status, reply.json["error"]) == (409, "insufficient_funds")
    assert reply.json["message"]
    assert len(events_of(account)) == 2


def test_transfer_writes_both_sides():
    source, target = funded(500), open_account()
    reply = post("/transfers", {"from_account": source, "to_account": target, "amount": 200})
    assert reply.status == 201
    assert set(reply.json) == {"transfer_id", "status", "from_version", "to_version"}
    assert reply.json["status"] == "posted"
    assert (reply.json["from_version"], reply.json["to_version"]) == (3, 2)
    sent, received = events_of(source)[-1], events_of(target)[-1]
    assert sent["type"] == "TransferSent"
    assert received["type"] == "TransferReceived"
    assert (
        sent["data"]["transfer_id"] == received["data"]["transfer_id"] == reply.json["transfer_id"]
    )
    assert get(f"/accounts/{source}", consistency="strong").json["balance"] == 300
    assert get(f"/accounts/{target}", consistency="strong").json["balance"] == 200


@pytest.mark.parametrize(
    ("setup", "status", "code"),
    [
        ("same", 409, "same_account"),
        ("currency", 409, "currency_mismatch"),
        ("missing_target", 404, "not_found"),
        ("overdraft", 409, "insufficient_funds"),
    ],
)
def test_refused_transfers_write_nothing(setup, status, code):
    source = funded(100)
    target = {
        "same": source,
        "currency": open_account(currency="USD"),
        "missing_target": "0a0a0a0a-0000-4000-8000-000000000000",
        "overdraft": open_account(),
    }[setup]
    amount = 500 if setup == "overdraft" else 50
    reply = post("/transfers", {"from_account": source, "to_account": target, "amount": amount})
    assert (reply.status, reply.json["error"]) == (status, code)
    assert len(events_of(source)) == 2


def test_close_rules():
    account = funded(10)
    reply = post(f"/accounts/{account}/close")
    assert (reply.status, reply.json["error"]) == (409, "balance_not_zero")
    post(f"/accounts/{account}/withdrawals", {"amount": 10})
    reply = post(f"/accounts/{account}/close")
    assert (reply.status, reply.json) == (201, {"account_id": account, "version": 4})
    reply = post(f"/accounts/{account}/deposits", {"amount": 1})
    assert (reply.status, reply.json["error"]) == (409, "account_closed")


def test_unknown_account_is_404():
    reply = post("/accounts/0a0a0a0a-0000-4000-8000-000000000000/deposits", {"amount": 1})
    assert (reply.status, reply.json["error"]) == (404, "not_found")


@pytest.mark.parametrize(
    ("body", "raw"),
    [
        (None, '{"amount": '),
        (None, ""),
        (None, "not json"),
        (None, "[" * 5000 + "]" * 5000),
        # JSON, but an integer longer than Python reads (4,300 digits), within 16 KiB.
        (None, '{"amount": ' + "9" * 5000 + "}"),
    ],
)
def test_malformed_json_is_400(body, raw):
    account = open_account()
    reply = post(f"/accounts/{account}/deposits", body, raw_body=raw)
    assert (reply.status, reply.json["error"]) == (400, "invalid_json")
    assert len(events_of(account)) == 1


@pytest.mark.parametrize(
    "encoded",
    [
        "!!not base64!!",
        base64.b64encode(b'{"amount": 1}\xff').decode(),  # not UTF-8 once decoded
    ],
)
def test_base64_bodies_that_are_not_utf8_text_are_400(encoded):
    account = open_account()
    event = http_event("POST", f"/accounts/{account}/deposits", raw_body=encoded)
    event["isBase64Encoded"] = True
    reply = call(event)
    assert (reply.status, reply.json["error"]) == (400, "invalid_json")
    assert len(events_of(account)) == 1


def test_a_base64_encoded_json_body_is_read():
    account = open_account()
    body = base64.b64encode(b'{"amount": 7}').decode()
    event = http_event("POST", f"/accounts/{account}/deposits", raw_body=body)
    event["isBase64Encoded"] = True
    assert (call(event).status, len(events_of(account))) == (201, 2)


@pytest.mark.parametrize(
    "body",
    [
        {"amount": 0},
        {"amount": -1},
        {"amount": 10**12 + 1},
        {"amount": 10**40},
        {"amount": "5"},
        {"amount": 1.5},
        {"amount": True},
        {"amount": None},
        {},
        {"amount": 5, "extra": 1},
        [1, 2],
    ],
)
def test_schema_violations_are_422_with_details(body):
    account = open_account()
    reply = post(f"/accounts/{account}/deposits", body)
    assert (reply.status, reply.json["error"]) == (422, "validation_error")
    assert isinstance(reply.json["details"], list)
    assert reply.json["details"]
    assert len(events_of(account)) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"owner": "", "currency": "EUR"},
        {"owner": "x" * 101, "currency": "EUR"},
        {"owner": "   ", "currency": "EUR"},
        {"owner": "A\u0000B", "currency": "EUR"},
        {"owner": "A\u0085B", "currency": "EUR"},  # a C1 control (NEL)
        {"owner": "\u200b", "currency": "EUR"},  # only a zero-width space
        {"owner": "\u00a0\u3000\u2028", "currency": "EUR"},  # only spaces of other scripts
        {"owner": "\u202eecilA", "currency": "EUR"},  # a right-to-left override
        {"owner": "Ada\u2066x\u2069", "currency": "EUR"},  # a bidi isolate
        {"owner": "A\u200eB", "currency": "EUR"},  # a left-to-right mark
        {"owner": "John\u2028Admin", "currency": "EUR"},  # a line separator
        {"owner": "A\ufff9B\ufffbC", "currency": "EUR"},  # an interlinear annotation
        {"owner": "\u3164\u2800", "currency": "EUR"},  # a Hangul filler and the braille blank
        {"owner": "\u0301\ufe0f", "currency": "EUR"},  # a combining mark and a selector alone
        {"owner": "Ada", "currency": "eur"},
        {"owner": "Ada", "currency": "EURO"},
        {"owner": "Ada"},
    ],
)
def test_bad_open_requests_are_422_and_write_nothing(body):
    reply = post("/accounts", body)
    assert (reply.status, reply.json["error"]) == (422, "validation_error")
    assert commits_in_table() == 0


def test_unicode_owners_are_kept_exactly():
    # Combining marks, an astral emoji, a ZWJ sequence (a format character between visible
    # ones), a right-to-left script.
    names = (
        "Zoë Ångström 🙂 李",
        "e\u0301 👩\u200d💻",
        "אדה לאבלייס",
        "अदा",
        "می\u200cخواهم",  # noqa: RUF001 - Persian, with a zero-width non-joiner
        "🇫🇷",
    )
    for owner in names:
        account = open_account(owner=owner)
        assert get(f"/accounts/{account}", consistency="strong").json["owner"] == owner


def test_a_lone_surrogate_is_refused_and_writes_nothing():
    reply = post("/accounts", raw_body='{"owner": "A\\ud800B", "currency": "EUR"}')
    assert 400 <= reply.status < 500
    assert commits_in_table() == 0


@pytest.mark.parametrize(
    "account",
    ["..%2F..%2Fetc", "..", "a%20b", "-x", "a%2Fb", "a%00b", "x" * 65, "%E2%80%AEx"],
)
def test_path_traversal_like_ids_are_422_and_write_nothing(account):
    reply = post(f"/accounts/{account}/deposits", {"amount": 1})
    assert (reply.status, reply.json["error"]) == (422, "validation_error")
    assert get(f"/accounts/{account}").status == 422
    assert commits_in_table() == 0


def test_body_over_16_kib_is_413_and_writes_nothing():
    reply = post("/accounts", raw_body=json.dumps({"owner": "x" * 17000, "currency": "EUR"}))
    assert (reply.status, reply.json["error"]) == (413, "payload_too_large")
    assert commits_in_table() == 0


def test_missing_or_bad_idempotency_key_is_400():
    reply = post("/accounts", {"owner": "Ada", "currency": "EUR"}, key=None)
    assert (reply.status, reply.json["error"]) == (400, "idempotency_key_missing")
    reply = post("/accounts", {"owner": "Ada", "currency": "EUR"}, key="x" * 129)
    assert (reply.status, reply.json["error"]) == (400, "idempotency_key_invalid")
    reply = post("/accounts", {"owner": "Ada", "currency": "EUR"}, key="has space")
    assert reply.status == 400


def test_a_retry_returns_the_original_response_and_writes_nothing():
    account = funded(100)
    first = post(f"/accounts/{account}/withdrawals", {"amount": 100}, key="k-1")
    again = post(f"/accounts/{account}/withdrawals", {"amount": 100}, key="k-1")
    assert (again.status, again.json) == (first.status, first.json) == (201, again.json)
    assert again.headers["idempotent-replayed"] == "true"
    assert len(events_of(account)) == 3
    # A quoted structured-field key is the same key.
    quoted = post(f"/accounts/{account}/withdrawals", {"amount": 100}, key='"k-1"')
    assert quoted.json == first.json


def test_a_reused_key_with_another_body_is_422():
    account = funded(100)
    post(f"/accounts/{account}/deposits", {"amount": 5}, key="k-2")
    reply = post(f"/accounts/{account}/deposits", {"amount": 6}, key="k-2")
    assert (reply.status, reply.json["error"]) == (422, "idempotency_key_reused")
    reply = post(f"/accounts/{account}/withdrawals", {"amount": 5}, key="k-2")
    assert (reply.status, reply.json["error"]) == (422, "idempotency_key_reused")
    assert len(events_of(account)) == 3


def test_keys_are_scoped_to_the_caller():
    account = funded(100)
    mine = post(f"/accounts/{account}/deposits", {"amount": 5}, key="shared")
    theirs = post(
        f"/accounts/{account}/deposits",
        {"amount": 5},
        key="shared",
        actor=OTHER_TELLER,
    )
    assert (mine.status, theirs.status) == (201, 201)
    assert theirs.json["version"] == mine.json["version"] + 1


def test_keys_are_scoped_to_the_principal_not_the_role_session():
    # Refreshed credentials of an assumed role come with a new session name: a retry under
    # them finds the first answer instead of depositing again.
    account = funded(100)
    first = post(f"/accounts/{account}/deposits", {"amount": 5}, key="k", actor=session("a"))
    retry = post(f"/accounts/{account}/deposits", {"amount": 5}, key="k", actor=session("b"))
    assert retry.json == first.json
    assert retry.headers["idempotent-replayed"] == "true"
    actors = [e["actor"] for e in events_of(account)]
    assert actors.count(session("a")) == 1  # the full session stays in the audit trail
    assert session("b") not in actors


def test_open_account_retry_returns_the_same_account():
    first = post("/accounts", {"owner": "Ada", "currency": "EUR"}, key="open-1")
    again = post("/accounts", {"owner": "Ada", "currency": "EUR"}, key="open-1")
    assert again.json["account_id"] == first.json["account_id"]


def test_if_match():
    account = funded(100)
    reply = post(f"/accounts/{account}/deposits", {"amount": 1}, headers={"If-Match": '"1"'})
    assert (reply.status, reply.json["error"]) == (412, "version_mismatch")
    reply = post(f"/accounts/{account}/deposits", {"amount": 1}, headers={"If-Match": '"2"'})
    assert (reply.status, reply.headers["etag"]) == (201, '"3"')
    reply = post(f"/accounts/{account}/deposits", {"amount": 1}, headers={"If-Match": "nonsense"})
    assert (reply.status, reply.json["error"]) == (400, "invalid_if_match")
    assert len(events_of(account)) == 3


def test_if_match_is_judged_on_fresh_state_not_a_stale_cache():
    from handlers import bootstrap

    account = funded(100)
    bootstrap.host().aggregates.load(f"Account-{account}")  # warm
    # Another container writes version 3 behind this container's back.
    other = _second_container()
    other.deposit(account, 5, _request("other-key"))
    reply = post(f"/accounts/{account}/deposits", {"amount": 1}, headers={"If-Match": '"3"'})
    assert (reply.status, reply.json["version"]) == (201, 4)


def _second_container() -> Any:
    from handlers import bootstrap

    return bootstrap.aws_host().service("accounts")


def _request(key: str) -> Any:
    from application.callers import Caller, Role
    from application.requests import Request

    return Request(key, key, Caller.of(TELLER, {Role.OPERATOR}))


def test_metadata_records_actor_and_correlation():
    account = open_account()
    post(
        f"/accounts/{account}/deposits",
        {"amount": 7},
        headers={"X-Correlation-Id": "trace-42"},
        key="dep-1",
    )
    event = events_of(account)[-1]
    assert event["actor"] == "arn:aws:iam::123456789012:user/teller"
    assert event["correlation_id"] == "trace-42"
    assert event["command_id"] == "dep-1"
    assert event["recorded_at"].endswith("Z")
    # Without an authorizer context (API Gateway never sends one so) nothing is served.
    anonymous = post(f"/accounts/{account}/deposits", {"amount": 7}, actor=None)
    assert (anonymous.status, anonymous.json["error"]) == (401, "unauthenticated")
    assert len(events_of(account)) == 2


def test_entry_points_refuse_each_others_methods():
    from handlers import commands, queries
    from tests.http import LambdaContext

    event = http_event("GET", "/accounts")
    assert commands.handler(event, LambdaContext())["statusCode"] == 405
    event = http_event("POST", "/accounts", {"owner": "A", "currency": "EUR"})
    assert queries.handler(event, LambdaContext())["statusCode"] == 405


def test_unknown_route_is_404():
    reply = post("/nowhere", {})
    assert (reply.status, reply.json["error"]) == (404, "route_not_found")


def test_events_are_stored_in_the_table_with_the_receipt():
    account = funded(100)
    client = boto3.client("dynamodb")
    from handlers import bootstrap

    config = bootstrap.settings()
    items = client.scan(TableName=config.events_table)["Items"]
    assert {i["pk"]["S"] for i in items} == {f"Account-{account}"}
    receipts = client.scan(TableName=config.idempotency_table)["Items"]
    assert len(receipts) == 2
    assert all(int(r["expires_at"]["N"]) > 0 for r in receipts)


def test_non_json_bodies_are_415():
    account = open_account()
    reply = post(
        f"/accounts/{account}/deposits",
        raw_body="amount=5",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (reply.status, reply.json["error"]) == (415, "unsupported_media_type")
    charset = post(
        f"/accounts/{account}/deposits",
        {"amount": 5},
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert charset.status == 201
