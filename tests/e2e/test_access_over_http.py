"""Who may do what, over real HTTP on `esctl serve`: real tokens of the local issuer, real SigV4
signatures of the local IAM principals, every role, every route, own, foreign and missing
accounts, and refusals that write nothing."""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from application.callers import Role
from esctl.local_auth import AUDIENCE, ISSUER, token
from esctl.local_clients import Bearer, Signed, issuer_key, principal_keys
from tests.e2e.conftest import Stack
from tests.e2e.helpers import Api

MISSING = "0a0a0a0a-0000-4000-8000-000000000000"
WRITTEN_TO = ("ledger-local-events", "ledger-local-idempotency")


@dataclass
class World:
    stack: Stack
    operator: Api
    auditor: Api
    ada: Api
    bob: Api

    def written(self) -> tuple[int, ...]:
        dynamodb = self.stack.client("dynamodb")
        return tuple(int(dynamodb.scan(TableName=t, Select="COUNT")["Count"]) for t in WRITTEN_TO)

    def account_of(self, owner: Api, balance: int) -> str:
        account = owner.open()
        if balance:
            deposit = self.operator.post(f"/accounts/{account}/deposits", {"amount": balance})
            assert deposit.status_code == 201, deposit.text
        return account


@pytest.fixture(scope="module")
def world(stack: Stack) -> World:
    return World(
        stack,
        stack.api_as(stack.operator),
        stack.api_as(stack.auditor),
        stack.api_as(stack.customer("ada")),
        stack.api_as(stack.customer("bob")),
    )


def request_for(route: str, account: str, receiver: str) -> tuple[str, str, Any, dict[str, Any]]:
    """Method, path, body and query of `route` about `account`."""
    return {
        "open": ("POST", "/accounts", {"owner": "Eve", "currency": "EUR"}, {}),
        "deposit": ("POST", f"/accounts/{account}/deposits", {"amount": 5}, {}),
        "withdraw": ("POST", f"/accounts/{account}/withdrawals", {"amount": 5}, {}),
        "close": ("POST", f"/accounts/{account}/close", None, {}),
        "transfer": (
            "POST",
            "/transfers",
            {"from_account": account, "to_account": receiver, "amount": 5},
            {},
        ),
        "read": ("GET", f"/accounts/{account}", None, {"consistency": "strong"}),
        "history": ("GET", f"/accounts/{account}/events", None, {}),
        "state": ("GET", f"/accounts/{account}/state", None, {"version": 1}),
        "list": ("GET", "/accounts", None, {}),
    }[route]


ROUTES = ("open", "deposit", "withdraw", "close", "transfer", "read", "history", "state", "list")
# The status each caller gets on each route, for an account it owns ("own"), another
# customer's ("foreign"), and one that does not exist ("missing"). Operators and auditors own
# nothing: for them "foreign" is a customer's account.
EXPECTED: dict[str, dict[str, tuple[int, int, int]]] = {
    "customer": {
        "open": (201, 201, 201),
        "deposit": (403, 403, 403),
        "withdraw": (201, 404, 404),
        "close": (201, 404, 404),
        "transfer": (201, 404, 404),
        "read": (200, 404, 404),
        "history": (200, 404, 404),
        "state": (200, 404, 404),
        "list": (200, 200, 200),
    },
    "operator": {
        "open": (201, 201, 201),
        "deposit": (201, 201, 404),
        "withdraw": (201, 201, 404),
        "close": (201, 201, 404),
        "transfer": (201, 201, 404),
        "read": (200, 200, 404),
        "history": (200, 200, 404),
        "state": (200, 200, 404),
        "list": (200, 200, 200),
    },
    "auditor": {
        "open": (403, 403, 403),
        "deposit": (403, 403, 403),
        "withdraw": (403, 403, 403),
        "close": (403, 403, 403),
        "transfer": (403, 403, 403),
        "read": (200, 200, 404),
        "history": (200, 200, 404),
        "state": (200, 200, 404),
        "list": (200, 200, 200),
    },
}
WHOSE = ("own", "foreign", "missing")


@pytest.mark.parametrize("whose", WHOSE)
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_role_on_every_route(world: World, role: str, route: str, whose: str):
    caller = {"customer": world.ada, "operator": world.operator, "auditor": world.auditor}[role]
    # Close needs an empty account; the others a funded one. The caller's "own" account is
    # Ada's for a customer, and any account for the others (they own none).
    balance = 0 if route == "close" else 100
    owner = world.ada if role == "customer" and whose == "own" else world.bob
    account = {"own": None, "foreign": None, "missing": MISSING}[whose]
    if account is None:
        account = world.account_of(owner, balance)
    receiver = world.account_of(world.bob, 0)
    method, path, body, query = request_for(route, account, receiver)
    expected = EXPECTED[role][route][WHOSE.index(whose)]

    before = world.written()
    reply = caller.post(path, body) if method == "POST" else caller.get(path, **query)
    assert reply.status_code == expected, reply.text
    if expected >= 400:
        code = {403: "forbidden", 404: "not_found"}[expected]
        assert reply.json()["error"] == code
        assert world.written() == before, "a refusal wrote something"
    elif method == "POST":
        assert world.written() != before


def test_a_customer_lists_only_its_own_accounts(world: World):
    adas = {world.ada.open(), world.ada.open()}
    world.bob.open()
    for account in adas:
        world.operator.converged(account)
    listed = {a["account_id"] for a in world.ada.get("/accounts", limit=1000).json()["accounts"]}
    assert adas <= listed
    # Every account Ada is shown is hers: Bob may not read one of them.
    for account in listed:
        assert world.bob.get(f"/accounts/{account}").status_code == 404
    bobs = {a["account_id"] for a in world.bob.get("/accounts", limit=1000).json()["accounts"]}
    assert bobs
    assert listed.isdisjoint(bobs)
    everything = world.auditor.get("/accounts", limit=1000).json()["accounts"]
    assert adas <= {a["account_id"] for a in everything}


def test_a_customer_sees_who_else_moved_its_money_without_their_identity(world: World):
    adas, bobs = world.account_of(world.ada, 0), world.account_of(world.bob, 50)
    transfer = {"from_account": bobs, "to_account": adas, "amount": 20}
    assert world.bob.post("/transfers", transfer, key="bobs-own-key").status_code == 201
    events = world.ada.get(f"/accounts/{adas}/events").json()["events"]
    received = events[-1]
    assert received["type"] == "TransferReceived"
    assert (received["actor"], received["command_id"], received["correlation_id"]) == (
        None,
        None,
        None,
    )
    assert events[0]["actor"] == f"{ISSUER}#ada"
    audited = world.auditor.get(f"/accounts/{adas}/events").json()["events"][-1]
    assert (audited["actor"], audited["command_id"]) == (f"{ISSUER}#bob", "bobs-own-key")


def forged_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem.decode()


def signed_claims(stack: Stack, key_pem: str | None = None, **changes: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "ada",
        "aud": AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "scope": "ledger/customer",
    }
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    key = serialization.load_pem_private_key(
        (key_pem or issuer_key(stack.aws)).encode(), password=None
    )
    return jwt.encode(claims, key, algorithm="ES256")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "not yet valid",
        "wrong audience",
        "wrong issuer",
        "wrongly signed",
        "no expiry",
        "tampered",
        "not a token",
        "HS256, a shared secret",
    ],
)
def test_bad_tokens_are_401_and_write_nothing(world: World, case: str):
    stack, now = world.stack, int(time.time())
    issued = {
        "expired": lambda: signed_claims(stack, iat=now - 7200, nbf=now - 7200, exp=now - 3600),
        "not yet valid": lambda: signed_claims(stack, nbf=now + 3600, exp=now + 7200),
        "wrong audience": lambda: signed_claims(stack, aud="someone-else"),
        "wrong issuer": lambda: signed_claims(stack, iss="https://issuer.example.org/"),
        "wrongly signed": lambda: signed_claims(stack, forged_key()),
        "no expiry": lambda: signed_claims(stack, exp=None),
        "tampered": lambda: _tampered(signed_claims(stack)),
        "not a token": lambda: "not-a-jwt",
        "HS256, a shared secret": lambda: jwt.encode(
            {
                "iss": ISSUER,
                "sub": "ada",
                "aud": AUDIENCE,
                "exp": now + 600,
                "scope": "ledger/operator",
            },
            "a shared secret the gateway never agreed to",
            algorithm="HS256",
        ),
    }[case]()
    before = world.written()
    api = Api(stack.api, Bearer(issued))
    for reply in (api.post("/accounts", {"owner": "Eve", "currency": "EUR"}), api.get("/accounts")):
        assert (reply.status_code, reply.json()["error"]) == (401, "unauthenticated"), reply.text
    assert world.written() == before


def _tampered(good: str) -> str:
    """The token with its payload changed (a customer made operator), signature kept."""
    header, _, signature = good.split(".")
    claims = jwt.decode(good, options={"verify_signature": False})
    claims["scope"] = "ledger/operator"
    forged = jwt.utils.base64url_encode(json.dumps(claims).encode())
    return f"{header}.{forged.decode()}.{signature}"


def test_a_valid_token_without_the_route_s_scope_is_403(world: World):
    stack = world.stack
    auditor_token = token(issuer_key(stack.aws), "eve", Role.AUDITOR, 600)
    api = Api(stack.api, Bearer(auditor_token))
    before = world.written()
    reply = api.post("/accounts", {"owner": "Eve", "currency": "EUR"})
    assert (reply.status_code, reply.json()["error"]) == (403, "forbidden")
    assert api.get("/accounts").status_code == 200
    no_scope = signed_claims(stack, scope=None)
    reply = Api(stack.api, Bearer(no_scope)).get("/accounts")
    assert (reply.status_code, reply.json()["error"]) == (403, "forbidden")
    assert world.written() == before


def test_an_expiring_token_is_refused_once_it_expires(world: World):
    stack = world.stack
    short = token(issuer_key(stack.aws), "ada", Role.CUSTOMER, 2)
    api = Api(stack.api, Bearer(short))
    assert api.get("/accounts").status_code == 200
    time.sleep(3.1)
    assert api.get("/accounts").status_code == 401


@pytest.mark.parametrize(
    "case", ["wrong secret", "unknown key", "wrong region", "wrong service", "body swapped"]
)
def test_bad_signatures_are_refused_and_write_nothing(world: World, case: str):
    stack = world.stack
    keys = principal_keys(stack.aws, Role.OPERATOR)
    key, secret = keys["AWS_ACCESS_KEY_ID"], keys["AWS_SECRET_ACCESS_KEY"]
    auth: httpx.Auth = {
        "wrong secret": lambda: Signed(key, secret[::-1], "eu-west-1"),
        "unknown key": lambda: Signed("AKIAUNKNOWNLOCAL0000", secret, "eu-west-1"),
        "wrong region": lambda: Signed(key, secret, "us-east-1"),
        "wrong service": lambda: Signed(key, secret, "eu-west-1", service="s3"),
        "body swapped": lambda: _SwappedBody(Signed(key, secret, "eu-west-1")),
    }[case]()
    before = world.written()
    reply = Api(stack.api, auth).post("/accounts", {"owner": "Eve", "currency": "EUR"})
    assert reply.status_code == 403, reply.text
    assert reply.json()["error"] == "forbidden"
    assert world.written() == before


class _SwappedBody(httpx.Auth):
    """Signs the request, then sends another body under the same signature."""

    def __init__(self, signer: Signed) -> None:
        self.signer = signer

    def auth_flow(self, request: httpx.Request) -> Any:
        signed = next(self.signer.auth_flow(request))
        body = b'{"owner": "Mallory", "currency": "EUR"}'
        yield httpx.Request(
            signed.method,
            signed.url,
            headers={**signed.headers, "content-length": str(len(body))},
            content=body,
        )


def test_no_credentials_are_401_but_the_docs_stay_readable(world: World):
    anonymous = httpx.Client(base_url=world.stack.api, timeout=10)
    reply = anonymous.post("/accounts", json={"owner": "Eve", "currency": "EUR"})
    assert (reply.status_code, reply.json()["error"]) == (401, "unauthenticated")
    assert anonymous.get("/accounts").status_code == 401
    assert anonymous.get("/openapi.json").status_code == 200
    assert anonymous.get("/docs").status_code == 200
    assert anonymous.request("TRACE", "/accounts").status_code == 404


def raw_request(api: str, lines: list[str]) -> tuple[int, bytes]:
    """Send a request exactly as written (what httpx would normalise), read the status line."""
    parsed = httpx.URL(api)
    with socket.create_connection((parsed.host, parsed.port), timeout=10) as connection:
        connection.sendall(("\r\n".join([*lines, "Connection: close", "", ""])).encode())
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.parametrize(
    "lines",
    [
        # A Host that would move the path the gateway checks away from the path routed.
        ["POST /accounts/X/deposits HTTP/1.1", "Host: 127.0.0.1/z"],
        ["GET /accounts HTTP/1.1", "Host: 127.0.0.1/openapi.json?"],
        # An absolute-form target: the gateway checks only origin-form ones.
        ["GET http://elsewhere/accounts HTTP/1.1", "Host: 127.0.0.1"],
    ],
)
def test_the_local_gateway_refuses_requests_it_could_misread(world: World, lines: list[str]):
    status, _ = raw_request(world.stack.api, lines)
    assert status == 400


def test_the_local_gateway_answers_unrouted_paths_itself(world: World):
    status, body = raw_request(world.stack.api, ["GET /nowhere HTTP/1.1", "Host: localhost"])
    assert (status, json.loads(body)) == (404, {"message": "Not Found"})
