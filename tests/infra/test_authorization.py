"""Who may call which route, as the stack enforces it before any function runs: JWT scopes per
route, one IAM policy per role, and the principal-to-role mapping the functions are told."""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any

import aws_cdk as cdk
import pytest

from hosting.routes import routes
from infra.config import StackConfig
from installed_domains import DOMAINS
from tests.infra.synth import Synth, flatten

ROUTES = routes(DOMAINS)
HANDLERS = (
    "handlers.commands.handler",
    "handlers.queries.handler",
    "handlers.projector.handler",
    "handlers.publisher.handler",
    "handlers.digester.handler",
    "handlers.jobs.handler",
)
# The transfers domain's routes each role may invoke (its own, independent statement of
# the domain's roles: customers and operators create, post and void; auditors only read).
TRANSFER_READS = {"GET/transfers/*", "GET/transfers/*/events"}
TRANSFER_COMMANDS = {"POST/transfers", "POST/transfers/*/post", "POST/transfers/*/void"}
TRANSFER_ROUTES = {
    "customer": TRANSFER_COMMANDS | TRANSFER_READS,
    "operator": TRANSFER_COMMANDS | TRANSFER_READS,
    "auditor": TRANSFER_READS,
}
_PATH_PARAMETER = re.compile(r"\{[^}/]+\}")
# Erasing an account holder's personal data: an operator's decision alone (a customer asks one).
ERASURE = "POST /accounts/{account_id}/erasure"
ERASURE_RESOURCE = "POST/accounts/*/erasure"


def allowed(role: str) -> set[str]:
    """The routes a role may invoke, as `METHOD /path` with `*` for path parameters."""
    return {
        _PATH_PARAMETER.sub("*", f"{r.method}/{r.path.lstrip('/')}")
        for r in ROUTES
        if r.roles is None or role in r.roles
    }


@pytest.mark.parametrize("role", ["customer", "operator", "auditor"])
def test_each_roles_policy_invokes_exactly_its_routes(stage_synth: Synth, role: str) -> None:
    policies = {
        props["Properties"]["ManagedPolicyName"]: props["Properties"]["PolicyDocument"]
        for props in stage_synth.of_type("AWS::IAM::ManagedPolicy").values()
    }
    document = policies[f"ledger-{stage_synth.stage}-{role}-invoke"]
    [statement] = document["Statement"]
    assert (statement["Effect"], statement["Action"]) == ("Allow", "execute-api:Invoke")
    granted = {flatten(r).split("/$default/", 1)[1] for r in statement["Resource"]}
    assert granted == allowed(role)
    assert {route for route in granted if "/transfers" in route} == TRANSFER_ROUTES[role]
    api = stage_synth.one("AWS::ApiGatewayV2::Api")[0]
    assert all(f"<{api}>" in flatten(r) for r in statement["Resource"])


def _invoke_policy_routes(synth: Synth) -> dict[str, set[str]]:
    """Each role's invoke policy's routes (`METHOD/path`, `*` for a path parameter), by role."""
    routes: dict[str, set[str]] = {}
    for policy in synth.of_type("AWS::IAM::ManagedPolicy").values():
        name = policy["Properties"]["ManagedPolicyName"]
        role = name.removeprefix(f"ledger-{synth.stage}-").removesuffix("-invoke")
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            routes.setdefault(role, set()).update(
                flatten(r).split("/$default/", 1)[1] for r in statement["Resource"]
            )
    return routes


def test_only_operators_may_erase_personal_data(stage_synth: Synth) -> None:
    granted = _invoke_policy_routes(stage_synth)
    assert set(granted) == {"customer", "operator", "auditor"}
    erasing = {role for role, routes in granted.items() if ERASURE_RESOURCE in routes}
    assert erasing == {"operator"}
    # Nor does another grant's `*` (which matches `/` too) reach it for another role.
    request = "POST/accounts/acc-1/erasure"
    matching = {
        role
        for role, routes in granted.items()
        if any(fnmatch.fnmatchcase(request, route) for route in routes)
    }
    assert matching == {"operator"}
    # The route the operator's policy names is the one the API has, behind IAM auth.
    (route,) = [
        r["Properties"]
        for r in stage_synth.of_type("AWS::ApiGatewayV2::Route").values()
        if r["Properties"]["RouteKey"] == ERASURE
    ]
    assert route["AuthorizationType"] == "AWS_IAM"
    assert "AuthorizationScopes" not in route


def test_with_jwts_only_the_operator_scope_may_erase(custom: Synth) -> None:
    (route,) = [
        r["Properties"]
        for r in custom.of_type("AWS::ApiGatewayV2::Route").values()
        if r["Properties"]["RouteKey"] == ERASURE
    ]
    assert route["AuthorizationType"] == "JWT"
    assert route["AuthorizationScopes"] == ["ledger/operator"]


def test_an_auditor_invokes_no_command_and_a_customer_no_deposit(dev: Synth) -> None:
    assert not any(route.startswith("POST/") for route in allowed("auditor"))
    assert "POST/accounts/*/deposits" not in allowed("customer")
    assert "POST/accounts/*/deposits" in allowed("operator")
    assert ERASURE_RESOURCE in allowed("operator")
    assert ERASURE_RESOURCE not in allowed("customer")
    assert ERASURE_RESOURCE not in allowed("auditor")
    # Every path parameter (`{account_id}`, `{transfer_id}`) is a `*` in a policy.
    assert not any(
        "{" in route for role in ("customer", "operator", "auditor") for route in allowed(role)
    )


def test_with_jwts_every_route_requires_one_of_its_roles_scopes(custom: Synth) -> None:
    expected = {
        f"{r.method} {r.path}": sorted(f"ledger/{role.value}" for role in r.roles)
        for r in ROUTES
        if r.roles is not None
    }
    found: dict[str, Any] = {
        route["Properties"]["RouteKey"]: route["Properties"].get("AuthorizationScopes")
        for route in custom.of_type("AWS::ApiGatewayV2::Route").values()
    }
    assert {key: sorted(found[key]) for key in expected} == expected
    # The transfers' routes: customers and operators command, auditors too may read.
    commands = ["ledger/customer", "ledger/operator"]
    readers = ["ledger/auditor", "ledger/customer", "ledger/operator"]
    assert {key: sorted(found[key]) for key in found if "/transfers" in key} == {
        "POST /transfers": commands,
        "POST /transfers/{transfer_id}/post": commands,
        "POST /transfers/{transfer_id}/void": commands,
        "GET /transfers/{transfer_id}": readers,
        "GET /transfers/{transfer_id}/events": readers,
    }
    assert sorted(found[ERASURE]) == ["ledger/operator"]
    # The document and the docs page take any valid token.
    assert found["GET /openapi.json"] is None
    assert found["GET /docs"] is None
    assert custom.of_type("AWS::IAM::ManagedPolicy") == {}


def test_the_functions_are_told_which_principals_have_which_roles(custom: Synth) -> None:
    for handler in HANDLERS:
        variables = custom.function(handler)[1]["Properties"]["Environment"]["Variables"]
        assert json.loads(variables["IAM_PRINCIPAL_ROLES"]) == {
            "arn:aws:iam::123456789012:role/Ops": ["operator"],
            "arn:aws:iam::123456789012:user/audit": ["auditor"],
        }


@pytest.mark.parametrize(
    "mapping",
    [
        '{"ops": "operator"}',
        '{"arn:aws:iam::1:role/Ops": "admin"}',
        '{"arn:aws:iam::1:role/Ops": []}',
        '["operator"]',
        # A role's sessions name it without its path: this key could never match a caller.
        '{"arn:aws:iam::123456789012:role/team/Ops": "operator"}',
        # A session, not a principal: its role's ARN covers all its sessions.
        '{"arn:aws:sts::123456789012:assumed-role/Ops/alice": "operator"}',
    ],
)
def test_a_bad_principal_mapping_fails_the_synth(mapping: str) -> None:
    with pytest.raises(ValueError, match="iam_principal_roles"):
        StackConfig.from_node(cdk.App(context={"iam_principal_roles": mapping}).node)


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (
            "dev",
            {"command": 20, "query": 10, "projector": 5, "publisher": 5, "digester": 1, "jobs": 1},
        ),
        (
            "prod",
            {
                "command": 200,
                "query": 100,
                "projector": 20,
                "publisher": 20,
                "digester": 1,
                "jobs": 1,
            },
        ),
        (
            "custom",
            {"command": 7, "query": 10, "projector": 5, "publisher": 5, "digester": 1, "jobs": 1},
        ),
    ],
)
def test_every_function_has_reserved_concurrency(
    request: pytest.FixtureRequest, fixture: str, expected: dict[str, int]
) -> None:
    # Queries cannot starve commands or the stream consumers: each has its own reservation.
    # The digester runs one at a time in every stage: a second would race it for a sequence;
    # so do the jobs, whose runs would otherwise do the same work twice.
    synth: Synth = request.getfixturevalue(fixture)
    found = {
        props["Properties"]["FunctionName"].rsplit("-", 1)[1]: props["Properties"].get(
            "ReservedConcurrentExecutions"
        )
        for props in synth.of_type("AWS::Lambda::Function").values()
        if props["Properties"].get("FunctionName", "").startswith("ledger-")
    }
    assert found == expected


@pytest.mark.parametrize(
    ("fixture", "command", "query"),
    [("dev", (25, 50), (25, 50)), ("prod", (250, 500), (250, 500)), ("custom", (5, 50), (25, 9))],
)
def test_every_route_has_its_own_throttle(
    request: pytest.FixtureRequest,
    fixture: str,
    command: tuple[int, int],
    query: tuple[int, int],
) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    settings = synth.one("AWS::ApiGatewayV2::Stage")[1]["Properties"]["RouteSettings"]
    assert set(settings) == {f"{r.method} {r.path}" for r in ROUTES}
    for key, limits in settings.items():
        rate, burst = command if key.startswith("POST ") else query
        assert (limits["ThrottlingRateLimit"], limits["ThrottlingBurstLimit"]) == (rate, burst)
