"""Query routes through the Lambda entry point, over moto."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

from tests.handlers.test_commands import funded, get, open_account, post

pytestmark = pytest.mark.usefixtures("stack")


def test_strong_read_folds_the_event_store():
    account = funded(250)
    reply = get(f"/accounts/{account}", consistency="strong")
    assert reply.status == 200
    assert reply.json == {
        "account_id": account,
        "owner": "Ada",
        "currency": "EUR",
        "balance": 250,
        "available": 250,
        "pending_debits": 0,
        "pending_credits": 0,
        "status": "open",
        "version": 2,
    }
    assert reply.headers["etag"] == '"2"'


def test_unknown_account_reads_are_404():
    missing = "0a0a0a0a-0000-4000-8000-000000000000"
    for path, query in (
        (f"/accounts/{missing}", {}),
        (f"/accounts/{missing}", {"consistency": "strong"}),
        (f"/accounts/{missing}/events", {}),
        (f"/accounts/{missing}/state", {"version": 1}),
    ):
        reply = get(path, **query)
        assert (reply.status, reply.json["error"]) == (404, "not_found"), path


def test_events_page_with_after_and_limit():
    account = funded(1)
    for amount in range(2, 6):
        post(f"/accounts/{account}/deposits", {"amount": amount})
    first = get(f"/accounts/{account}/events", limit=3).json
    assert ([e["version"] for e in first["events"]], first["next_after"]) == ([1, 2, 3], 3)
    rest = get(f"/accounts/{account}/events", after=first["next_after"], limit=3).json
    assert ([e["version"] for e in rest["events"]], rest["next_after"]) == ([4, 5, 6], None)
    last = get(f"/accounts/{account}/events", after=4, limit=1).json
    assert ([e["version"] for e in last["events"]], last["next_after"]) == ([5], 5)
    assert get(f"/accounts/{account}/events", after=6).json == {"events": [], "next_after": None}
    event = first["events"][1]
    assert set(event) == {
        "version",
        "type",
        "schema_version",
        "data",
        "recorded_at",
        "command_id",
        "correlation_id",
        "actor",
        "hash",
    }
    assert (event["type"], event["schema_version"], event["data"]) == (
        "Deposited",
        1,
        {"amount": 1},
    )
    assert len(event["hash"]) == 64


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 1001}, {"after": -1}, {"limit": "x"}])
def test_bad_paging_is_422(query):
    account = open_account()
    assert get(f"/accounts/{account}/events", **query).status == 422


def test_state_at_a_version_and_at_a_time():
    account = funded(100)
    post(f"/accounts/{account}/withdrawals", {"amount": 30})
    events = get(f"/accounts/{account}/events").json["events"]
    at_two = get(f"/accounts/{account}/state", version=2)
    assert (at_two.status, at_two.json["balance"], at_two.json["version"]) == (200, 100, 2)
    assert get(f"/accounts/{account}/state", version=1).json["balance"] == 0
    assert get(f"/accounts/{account}/state", version=4).status == 404
    at_time = get(f"/accounts/{account}/state", at=events[1]["recorded_at"]).json
    assert at_time["version"] >= 2
    before = get(f"/accounts/{account}/state", at="2000-01-01T00:00:00Z")
    assert (before.status, before.json["error"]) == (404, "not_found")
    now = get(f"/accounts/{account}/state", at="2999-01-01T00:00:00+02:00").json
    assert (now["balance"], now["version"]) == (70, 3)
    # Years before 1000 come before every recorded time, not after (zero-padded, they sort).
    ancient = get(f"/accounts/{account}/state", at="0999-01-01T00:00:00Z")
    assert (ancient.status, ancient.json["error"]) == (404, "not_found")


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"version": 1, "at": "2026-01-01T00:00:00Z"},
        {"at": "yesterday"},
        {"at": "2026-01-01T00:00:00"},
        {"version": 0},
        # Valid ISO-8601, but outside what UTC can hold once converted.
        {"at": "0001-01-01T00:00:00+01:00"},
        {"at": "9999-12-31T23:59:59-01:00"},
    ],
)
def test_state_needs_exactly_one_valid_point(query):
    account = open_account()
    reply = get(f"/accounts/{account}/state", **query)
    assert (reply.status, reply.json["error"]) == (422, "validation_error")


def test_bad_consistency_is_422():
    assert get(f"/accounts/{open_account()}", consistency="psychic").status == 422


def test_bad_cursor_is_422():
    reply = get("/accounts", cursor="not-a-cursor")
    assert (reply.status, reply.json["error"]) == (422, "validation_error")


ROUTES = {
    ("post", "/accounts"),
    ("post", "/accounts/{account_id}/deposits"),
    ("post", "/accounts/{account_id}/withdrawals"),
    ("post", "/transfers"),
    ("post", "/accounts/{account_id}/close"),
    ("get", "/accounts/{account_id}"),
    ("get", "/accounts/{account_id}/events"),
    ("get", "/accounts/{account_id}/state"),
    ("get", "/accounts"),
}


def test_openapi_document_is_valid_and_lists_every_route():
    reply = get("/openapi.json")
    assert reply.status == 200
    document = reply.json
    validate(document)
    assert document["openapi"].startswith("3.")
    listed = {(m, p) for p, item in document["paths"].items() for m in item}
    assert listed >= ROUTES
    deposit = document["paths"]["/accounts/{account_id}/deposits"]["post"]
    assert "requestBody" in deposit
    assert {"201", "409", "422"} <= set(deposit["responses"])


OPERATIONS = {
    ("post", "/accounts"): ("openAccount", "accounts"),
    ("post", "/accounts/{account_id}/deposits"): ("deposit", "accounts"),
    ("post", "/accounts/{account_id}/withdrawals"): ("withdraw", "accounts"),
    ("post", "/accounts/{account_id}/close"): ("closeAccount", "accounts"),
    ("get", "/accounts/{account_id}"): ("getAccount", "accounts"),
    ("get", "/accounts/{account_id}/events"): ("getAccountEvents", "accounts"),
    ("get", "/accounts/{account_id}/state"): ("getAccountState", "accounts"),
    ("get", "/accounts"): ("listAccounts", "accounts"),
    ("post", "/transfers"): ("transfer", "transfers"),
    ("post", "/transfers/{transfer_id}/post"): ("postTransfer", "transfers"),
    ("post", "/transfers/{transfer_id}/void"): ("voidTransfer", "transfers"),
    ("get", "/transfers/{transfer_id}"): ("getTransfer", "transfers"),
    ("get", "/transfers/{transfer_id}/events"): ("getTransferEvents", "transfers"),
}


def test_every_route_has_an_operation_id_a_summary_a_description_and_its_domain_tag():
    document = get("/openapi.json").json
    for (method, path), (operation_id, tag) in OPERATIONS.items():
        operation = document["paths"][path][method]
        assert operation["operationId"] == operation_id
        assert operation["tags"] == [tag]
        assert operation["summary"]
        assert operation["summary"] != path
        assert len(operation["description"]) > len(operation["summary"])
    assert [t["name"] for t in document["tags"]] == ["accounts", "transfers"]
    assert all(t["description"] for t in document["tags"])


@pytest.mark.parametrize(
    ("authorization", "scheme", "declared"),
    [
        ("iam", "sigv4", {"type": "apiKey", "in": "header", "name": "Authorization"}),
        ("jwt", "jwt", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}),
    ],
)
def test_the_document_declares_what_the_gateway_enforces(
    monkeypatch: pytest.MonkeyPatch, authorization: str, scheme: str, declared: dict[str, str]
):
    from handlers import bootstrap

    monkeypatch.setenv("API_AUTHORIZATION", authorization)
    bootstrap.settings.cache_clear()
    document = get("/openapi.json").json
    validate(document)
    schemes = document["components"]["securitySchemes"]
    assert set(schemes) == {scheme}
    assert declared.items() <= schemes[scheme].items()
    if authorization == "iam":
        assert schemes[scheme]["x-amazon-apigateway-authtype"] == "awsSigv4"
    assert document["security"] == [{scheme: []}]


def test_a_gateway_taking_either_declares_both_as_alternatives(monkeypatch: pytest.MonkeyPatch):
    from handlers import bootstrap

    monkeypatch.setenv("API_AUTHORIZATION", "iam,jwt")
    bootstrap.settings.cache_clear()
    document = get("/openapi.json").json
    validate(document)
    assert set(document["components"]["securitySchemes"]) == {"sigv4", "jwt"}
    assert document["security"] == [{"sigv4": []}, {"jwt": []}]


def test_no_security_is_declared_where_none_is_enforced():
    document = get("/openapi.json").json
    assert "security" not in document
    assert "securitySchemes" not in document.get("components", {})


def test_swagger_ui_is_served_without_a_cdn():
    reply = get("/docs")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/html")
    assert "swagger" in reply.text.lower()
    assert "cdn" not in reply.text.lower() or "unpkg" not in reply.text.lower()
    json.dumps(reply.text)  # the page is a single self-contained document
