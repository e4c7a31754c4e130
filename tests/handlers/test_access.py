"""Who may do what, through the Lambda entry points over moto: roles per route, ownership per
account, and refusals that write nothing."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest

from tests.http import (
    AUDITOR,
    TELLER,
    Reply,
    call,
    customer,
    http_event,
    principal_of_customer,
)

pytestmark = pytest.mark.usefixtures("stack")

STRANGER = "arn:aws:iam::123456789012:user/stranger"  # authenticated, but given no role
MISSING = "0a0a0a0a-0000-4000-8000-000000000000"


def as_(who: str) -> dict[str, Any]:
    """The request options of a caller: `operator`, `auditor`, `stranger`, `nobody` (no
    authorizer context), or any other name for a customer with that JWT subject."""
    callers: dict[str, dict[str, Any]] = {
        "operator": {"actor": TELLER},
        "auditor": {"actor": AUDITOR},
        "stranger": {"actor": STRANGER},
        "nobody": {"actor": None},
    }
    return callers.get(who) or {"claims": customer(who)}


def post(who: str, path: str, body: Any = None, **options: Any) -> Reply:
    return call(http_event("POST", path, body, **as_(who), **options))


def get(who: str, path: str, **query: Any) -> Reply:
    return call(http_event("GET", path, query=query, **as_(who)))


def written() -> tuple[int, int]:
    """Items in the event table and the idempotency table: what any command would add to."""
    from handlers import bootstrap

    dynamodb, settings = boto3.client("dynamodb"), bootstrap.settings()
    return tuple(  # type: ignore[return-value]
        int(dynamodb.scan(TableName=table, Select="COUNT")["Count"])
        for table in (settings.events_table, settings.idempotency_table)
    )


def opened(who: str, owner: str = "Ada", **extra: Any) -> str:
    reply = post(who, "/accounts", {"owner": owner, "currency": "EUR", **extra})
    assert reply.status == 201, reply.text
    return str(reply.json["account_id"])


def funded(who: str, amount: int = 100) -> str:
    account = opened(who)
    assert post("operator", f"/accounts/{account}/deposits", {"amount": amount}).status == 201
    return account


def requests(account: str, other: str) -> dict[str, tuple[str, str, Any]]:
    """Every route, about `account` (a transfer from it to `other`)."""
    return {
        "open": ("POST", "/accounts", {"owner": "Eve", "currency": "EUR"}),
        "deposit": ("POST", f"/accounts/{account}/deposits", {"amount": 5}),
        "withdraw": ("POST", f"/accounts/{account}/withdrawals", {"amount": 5}),
        "close": ("POST", f"/accounts/{account}/close", None),
        "transfer": (
            "POST",
            "/transfers",
            {"from_account": account, "to_account": other, "amount": 5},
        ),
        "read": ("GET", f"/accounts/{account}", None),
        "read strongly": ("GET", f"/accounts/{account}?consistency=strong", None),
        "history": ("GET", f"/accounts/{account}/events", None),
        "state": ("GET", f"/accounts/{account}/state?version=1", None),
        "list": ("GET", "/accounts", None),
    }


def send(who: str, method: str, target: str, body: Any) -> Reply:
    path, _, query = target.partition("?")
    params = dict(pair.split("=") for pair in query.split("&")) if query else {}
    if method == "POST":
        return post(who, path, body)
    return get(who, path, **params)


@pytest.mark.parametrize("route", list(requests("a", "b")))
@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("nobody", 401, "unauthenticated"),
        ("stranger", 403, "forbidden"),
    ],
)
def test_callers_without_credentials_or_a_role_are_refused_everywhere(route, who, status, code):
    account, other = funded("ada"), opened("bob")
    method, target, body = requests(account, other)[route]
    before = written()
    reply = send(who, method, target, body)
    assert (reply.status, reply.json["error"]) == (status, code)
    assert written() == before


@pytest.mark.parametrize(
    ("who", "route", "status"),
    [
        ("auditor", "open", 403),
        ("auditor", "deposit", 403),
        ("auditor", "withdraw", 403),
        ("auditor", "close", 403),
        ("auditor", "transfer", 403),
        ("ada", "deposit", 403),  # a customer's own account takes money in by transfer only
    ],
)
def test_roles_refused_a_route_are_403_and_write_nothing(who, route, status):
    account, other = funded("ada"), opened("bob")
    method, target, body = requests(account, other)[route]
    before = written()
    reply = send(who, method, target, body)
    assert (reply.status, reply.json["error"]) == (status, "forbidden")
    assert written() == before


@pytest.mark.parametrize(
    "route", ["withdraw", "close", "transfer", "read", "read strongly", "history", "state"]
)
@pytest.mark.parametrize("whose", ["foreign", "missing"])
def test_a_customer_gets_404_for_an_account_it_does_not_own_or_that_is_missing(route, whose):
    bobs, adas = funded("bob"), funded("ada")
    account = bobs if whose == "foreign" else MISSING
    method, target, body = requests(account, adas)[route]
    before = written()
    reply = send("ada", method, target, body)
    assert (reply.status, reply.json["error"]) == (404, "not_found")
    assert reply.json["message"] == f"account {account} does not exist"
    assert written() == before


@pytest.mark.parametrize(
    ("route", "status"),
    [
        ("withdraw", 201),
        ("transfer", 201),
        ("read strongly", 200),
        ("history", 200),
        ("state", 200),
    ],
)
def test_a_customer_acts_on_its_own_account(route, status):
    adas, bobs = funded("ada"), opened("bob")
    method, target, body = requests(adas, bobs)[route]
    assert send("ada", method, target, body).status == status


def test_a_customer_closes_its_own_account():
    account = opened("ada")
    assert post("ada", f"/accounts/{account}/close").status == 201


@pytest.mark.parametrize("who", ["operator", "auditor"])
def test_operators_and_auditors_read_any_account(who):
    account, other = funded("ada"), opened("bob")
    for route in ("read strongly", "history", "state"):
        method, target, body = requests(account, other)[route]
        assert send(who, method, target, body).status == 200, route


def test_operators_move_any_account():
    account, other = funded("ada", 100), opened("bob")
    assert post("operator", f"/accounts/{account}/withdrawals", {"amount": 10}).status == 201
    transfer = {"from_account": account, "to_account": other, "amount": 90}
    assert post("operator", "/transfers", transfer).status == 201
    assert post("operator", f"/accounts/{account}/close").status == 201


def test_a_customer_transfers_into_anyone_s_open_account():
    adas, bobs = funded("ada", 100), opened("bob")
    reply = post("ada", "/transfers", {"from_account": adas, "to_account": bobs, "amount": 30})
    assert reply.status == 201, reply.text
    assert get("bob", f"/accounts/{bobs}", consistency="strong").json["balance"] == 30


def test_opening_records_the_owner():
    mine = opened("ada")
    assert get("ada", f"/accounts/{mine}/state", version=1).status == 200
    assert get("bob", f"/accounts/{mine}/state", version=1).status == 404
    # The owner is not part of the response: a principal is an identity, not account data.
    assert "owner_principal" not in get("ada", f"/accounts/{mine}", consistency="strong").json
    history = get("ada", f"/accounts/{mine}/events").json["events"]
    assert history[0]["data"]["owner_principal"] == principal_of_customer("ada")


def test_an_operator_opens_an_account_for_a_customer():
    account = opened("operator", owner_principal=principal_of_customer("ada"))
    assert post("operator", f"/accounts/{account}/deposits", {"amount": 9}).status == 201
    assert post("ada", f"/accounts/{account}/withdrawals", {"amount": 9}).status == 201
    assert get("bob", f"/accounts/{account}", consistency="strong").status == 404


def test_a_customer_opens_accounts_for_itself_only():
    before = written()
    for_bob = {"owner": "Ada", "currency": "EUR", "owner_principal": principal_of_customer("bob")}
    reply = post("ada", "/accounts", for_bob)
    assert (reply.status, reply.json["error"]) == (403, "forbidden")
    assert written() == before
    itself = opened("ada", owner_principal=principal_of_customer("ada"))
    assert get("ada", f"/accounts/{itself}", consistency="strong").status == 200


def test_a_customer_sees_other_principals_commands_without_who_sent_them():
    adas, bobs = opened("ada"), funded("bob")
    post("operator", f"/accounts/{adas}/deposits", {"amount": 50}, key="teller-key")
    transfer = {"from_account": bobs, "to_account": adas, "amount": 20}
    post("bob", "/transfers", transfer, key="bobs-key", headers={"X-Correlation-Id": "bob-42"})
    post("ada", f"/accounts/{adas}/withdrawals", {"amount": 5}, key="adas-key")
    events = get("ada", f"/accounts/{adas}/events").json["events"]
    assert [e["type"] for e in events] == [
        "AccountOpened",
        "Deposited",
        "TransferReceived",
        "Withdrawn",
    ]
    who = [(e["actor"], e["command_id"], e["correlation_id"]) for e in events]
    assert who[1] == who[2] == (None, None, None)
    assert who[3][:2] == (principal_of_customer("ada"), "adas-key")
    # The amounts and hashes stay: the customer's own money is its to see.
    assert events[2]["data"]["amount"] == 20
    assert all(len(e["hash"]) == 64 for e in events)
    # Operators and auditors see everything.
    full = get("auditor", f"/accounts/{adas}/events").json["events"]
    assert (full[2]["actor"], full[2]["command_id"]) == (principal_of_customer("bob"), "bobs-key")
    assert full[1]["actor"] == TELLER


def test_a_customer_lists_its_own_accounts_from_the_owner_index(monkeypatch):
    from tests.handlers.test_projector_handler import project, reader

    stream = reader()
    adas = {opened("ada"), opened("ada")}
    everyone = adas | {opened("bob"), opened("operator")}
    project(stream.poll())
    import adapters.views_dynamodb as views

    operations: list[str] = []
    real = views.call

    def spied(client: Any, operation: str, **request: Any) -> Any:
        operations.append(operation)
        return real(client, operation, **request)

    monkeypatch.setattr(views, "call", spied)
    listed = get("ada", "/accounts").json
    assert {a["account_id"] for a in listed["accounts"]} == adas
    assert operations == ["query"]  # the owner index: no Scan
    for who in ("operator", "auditor"):
        page = get(who, "/accounts", limit=100).json
        assert {a["account_id"] for a in page["accounts"]} == everyone
    assert get("carol", "/accounts").json == {"accounts": [], "next_cursor": None}


def test_a_customer_pages_through_its_own_accounts():
    from tests.handlers.test_projector_handler import project, reader

    stream = reader()
    adas = {opened("ada") for _ in range(5)}
    opened("bob")
    project(stream.poll())
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        query: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = get("ada", "/accounts", **query).json
        seen += [a["account_id"] for a in page["accounts"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(adas)


def legacy_account() -> str:
    """An account opened before owners were recorded: its opening event is AccountOpened v2."""
    from adapters.event_store_dynamodb import DynamoDBEventStore
    from domains.accounts.decider import stream_id
    from eventcore.commits import GENESIS_HASH, CommitMeta
    from eventcore.events import StoredEvent
    from eventcore.hashchain import seal
    from handlers import bootstrap

    account = str(uuid.uuid4())
    settings = bootstrap.settings()
    store = DynamoDBEventStore(
        boto3.client("dynamodb"), settings.events_table, settings.idempotency_table
    )
    opening = StoredEvent("AccountOpened", 2, {"owner": "Old", "currency": "EUR"})
    meta = CommitMeta("old-key", "old", TELLER, "2025-01-01T00:00:00.000000Z")
    store.append([seal(stream_id(account), 1, [opening], meta, GENESIS_HASH)])
    return account


def test_accounts_without_an_owner_are_left_to_operators_and_auditors():
    account, other = legacy_account(), opened("ada")
    for route in ("withdraw", "close", "transfer", "read strongly", "history", "state"):
        method, target, body = requests(account, other)[route]
        assert send("ada", method, target, body).status == 404, route
    assert get("auditor", f"/accounts/{account}", consistency="strong").json["owner"] == "Old"
    assert post("operator", f"/accounts/{account}/deposits", {"amount": 3}).status == 201
    assert post("operator", f"/accounts/{account}/withdrawals", {"amount": 3}).status == 201


def test_paying_into_another_s_account_shows_only_that_it_can_receive():
    adas, bobs, closed = funded("ada"), opened("bob"), opened("bob")
    assert post("operator", f"/accounts/{closed}/close").status == 201
    paid = post("ada", "/transfers", {"from_account": adas, "to_account": bobs, "amount": 1})
    assert (paid.status, paid.json["to_version"]) == (201, None)
    # A closed account the sender may not see reads exactly as one that was never opened.
    before = written()
    replies = [
        post("ada", "/transfers", {"from_account": adas, "to_account": target, "amount": 1})
        for target in (closed, MISSING)
    ]
    assert [(r.status, r.json["error"]) for r in replies] == [(404, "not_found")] * 2
    assert replies[0].json["message"] == f"account {closed} does not exist"
    assert replies[1].json["message"] == f"account {MISSING} does not exist"
    assert written() == before
    # Its own accounts and operators see the receiver's version, and why it cannot receive.
    own = opened("ada")
    mine = post("ada", "/transfers", {"from_account": adas, "to_account": own, "amount": 1})
    assert mine.json["to_version"] == 2
    by_operator = {"from_account": adas, "to_account": closed, "amount": 1}
    refused = post("operator", "/transfers", by_operator)
    assert (refused.status, refused.json["error"]) == (409, "account_closed")


def test_roles_are_checked_on_the_path_routed_under_a_named_stage():
    account = funded("ada")
    event = http_event(
        "POST", f"/v1/accounts/{account}/withdrawals", {"amount": 5}, **as_("auditor")
    )
    event["requestContext"]["stage"] = "v1"
    before = written()
    reply = call(event)
    assert (reply.status, reply.json["error"]) == (403, "forbidden")
    assert written() == before
    event = http_event("POST", f"/v1/accounts/{account}/withdrawals", {"amount": 5}, **as_("ada"))
    event["requestContext"]["stage"] = "v1"
    assert call(event).status == 201


def test_a_route_that_names_no_roles_is_served_to_nobody():
    from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

    from application.callers import Role
    from httpkernel.app import HttpApp
    from httpkernel.auth import Authentication
    from httpkernel.openapi import ApiInfo

    unguarded = APIGatewayHttpRouter()
    unguarded.get("/unguarded")(lambda: {"secret": True})
    app = HttpApp(
        [unguarded],
        lambda: ApiInfo("t", "1"),
        lambda: Authentication(iam_roles={TELLER: frozenset({Role.OPERATOR})}),
    )
    event = http_event("GET", "/unguarded", **as_("operator"))
    reply = app.handle(event, None, frozenset({"GET"}))  # type: ignore[arg-type]
    assert (reply["statusCode"], json.loads(reply["body"])["error"]) == (404, "route_not_found")
