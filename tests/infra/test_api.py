"""The HTTP API: exactly the documented routes, none of them reachable without authorization."""

from __future__ import annotations

import json

import pytest

from tests.infra.synth import Synth, flatten

COMMAND_ROUTES = {
    "POST /accounts",
    "POST /accounts/{account_id}/deposits",
    "POST /accounts/{account_id}/withdrawals",
    "POST /transfers",
    "POST /accounts/{account_id}/close",
    "POST /accounts/{account_id}/erasure",
    "POST /transfers/{transfer_id}/post",
    "POST /transfers/{transfer_id}/void",
}
QUERY_ROUTES = {
    "GET /accounts",
    "GET /accounts/{account_id}",
    "GET /accounts/{account_id}/events",
    "GET /accounts/{account_id}/state",
    "GET /transfers/{transfer_id}",
    "GET /transfers/{transfer_id}/events",
    "GET /openapi.json",
    "GET /docs",
}
EVENTS = "events.amazonaws.com"  # the principal EventBridge rules invoke functions as
DIGESTER = "handlers.digester.handler"
JOBS = "handlers.jobs.handler"


def route_keys(synth: Synth) -> set[str]:
    return {r["Properties"]["RouteKey"] for r in synth.of_type("AWS::ApiGatewayV2::Route").values()}


@pytest.mark.parametrize("fixture", ["dev", "prod", "custom"])
def test_exactly_the_documented_routes(request: pytest.FixtureRequest, fixture: str) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    assert route_keys(synth) == COMMAND_ROUTES | QUERY_ROUTES
    assert "$default" not in route_keys(synth)


def test_every_route_requires_iam_by_default(stage_synth: Synth) -> None:
    routes = stage_synth.of_type("AWS::ApiGatewayV2::Route").values()
    assert {route["Properties"].get("AuthorizationType") for route in routes} == {"AWS_IAM"}
    assert stage_synth.of_type("AWS::ApiGatewayV2::Authorizer") == {}


def test_every_route_requires_a_jwt_when_configured(custom: Synth) -> None:
    authorizer_id, authorizer = custom.one("AWS::ApiGatewayV2::Authorizer")
    assert authorizer["Properties"]["AuthorizerType"] == "JWT"
    assert authorizer["Properties"]["JwtConfiguration"] == {
        "Issuer": "https://issuer.example.com/",
        "Audience": ["ledger-api", "ledger-cli"],
    }
    assert authorizer["Properties"]["IdentitySource"] == ["$request.header.Authorization"]
    for route in custom.of_type("AWS::ApiGatewayV2::Route").values():
        assert route["Properties"]["AuthorizationType"] == "JWT"
        assert route["Properties"]["AuthorizerId"] == {"Ref": authorizer_id}


def test_routes_reach_the_right_function(dev: Synth) -> None:
    expected = {
        **dict.fromkeys(COMMAND_ROUTES, dev.function("handlers.commands.handler")[0]),
        **dict.fromkeys(QUERY_ROUTES, dev.function("handlers.queries.handler")[0]),
    }
    integrations = dev.of_type("AWS::ApiGatewayV2::Integration")
    for route in dev.of_type("AWS::ApiGatewayV2::Route").values():
        target = flatten(route["Properties"]["Target"])  # "integrations/<IntegrationId>"
        integration = integrations[target.removeprefix("integrations/").strip("<>")]
        props = integration["Properties"]
        assert props["IntegrationType"] == "AWS_PROXY"
        assert props["PayloadFormatVersion"] == "2.0"
        function_id = props["IntegrationUri"]["Fn::GetAtt"][0]
        assert function_id == expected[route["Properties"]["RouteKey"]]


@pytest.mark.parametrize(("fixture", "rate", "burst"), [("dev", 50, 100), ("prod", 500, 1000)])
def test_stage_is_throttled_and_logged(
    request: pytest.FixtureRequest, fixture: str, rate: int, burst: int
) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    props = synth.one("AWS::ApiGatewayV2::Stage")[1]["Properties"]
    assert props["StageName"] == "$default"
    assert props["AutoDeploy"] is True
    assert props["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": rate,
        "ThrottlingBurstLimit": burst,
    }
    log_group_id = props["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][0]
    assert synth.resources[log_group_id]["Type"] == "AWS::Logs::LogGroup"
    fields = json.loads(props["AccessLogSettings"]["Format"])
    assert {"requestId", "ip", "routeKey", "status", "requestTime", "httpMethod"} <= set(fields)
    assert fields["requestId"] == "$context.requestId"


def test_throttling_comes_from_context(custom: Synth) -> None:
    props = custom.one("AWS::ApiGatewayV2::Stage")[1]["Properties"]
    assert props["DefaultRouteSettings"] == {"ThrottlingRateLimit": 11, "ThrottlingBurstLimit": 22}


def test_api_gateway_may_invoke_only_its_own_functions(dev: Synth) -> None:
    api_id = dev.one("AWS::ApiGatewayV2::Api")[0]
    commands = dev.function("handlers.commands.handler")[0]
    queries = dev.function("handlers.queries.handler")[0]
    permissions = dev.of_type("AWS::Lambda::Permission").values()
    by_api = [p["Properties"] for p in permissions if p["Properties"]["Principal"] != EVENTS]
    # One permission per route, each for the route's own function.
    assert len(by_api) == len(COMMAND_ROUTES | QUERY_ROUTES)
    for props in by_api:
        assert props["Principal"] == "apigateway.amazonaws.com"
        assert props["Action"] == "lambda:InvokeFunction"
        assert f"<{api_id}>" in flatten(props["SourceArn"])
        assert props["FunctionName"]["Fn::GetAtt"][0] in {commands, queries}
    invoked = {
        (flatten(props["SourceArn"]).rsplit("/*/*", 1)[1], props["FunctionName"]["Fn::GetAtt"][0])
        for props in by_api
    }
    assert invoked == {
        *((route.split(" ", 1)[1], commands) for route in COMMAND_ROUTES),
        *((route.split(" ", 1)[1], queries) for route in QUERY_ROUTES),
    }
    # The scheduled functions are no integration's: no route reaches them.
    scheduled = {dev.function(DIGESTER)[0], dev.function(JOBS)[0]}
    assert not {props["FunctionName"]["Fn::GetAtt"][0] for props in by_api} & scheduled
    integrated = {
        integration["Properties"]["IntegrationUri"]["Fn::GetAtt"][0]
        for integration in dev.of_type("AWS::ApiGatewayV2::Integration").values()
    }
    assert integrated == {commands, queries}


def _invoked_by_events(synth: Synth, handler: str) -> list[dict[str, object]]:
    """The Lambda permissions EventBridge holds on the function with `handler`."""
    function = {"Fn::GetAtt": [synth.function(handler)[0], "Arn"]}
    return [
        p["Properties"]
        for p in synth.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == EVENTS and p["Properties"]["FunctionName"] == function
    ]


@pytest.mark.parametrize("handler", [DIGESTER, JOBS])
def test_only_its_schedule_invokes_a_scheduled_function(dev: Synth, handler: str) -> None:
    """Each scheduled function's one Lambda permission: its own rule's, for EventBridge."""
    (rule,) = dev.rules_targeting(handler)
    assert _invoked_by_events(dev, handler) == [
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Fn::GetAtt": [dev.function(handler)[0], "Arn"]},
            "Principal": EVENTS,
            "SourceArn": {"Fn::GetAtt": [rule, "Arn"]},
        }
    ]
    function = {"Fn::GetAtt": [dev.function(handler)[0], "Arn"]}
    others = [
        p["Properties"]["Principal"]
        for p in dev.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == function and p["Properties"]["Principal"] != EVENTS
    ]
    assert others == []


def test_the_two_schedules_hold_the_only_permissions_not_api_gateways(dev: Synth) -> None:
    """The digester's and the jobs' schedules: no other function is EventBridge's to invoke,
    and no other principal but API Gateway invokes anything."""
    by_events = [
        p["Properties"]
        for p in dev.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == EVENTS
    ]
    expected = [*_invoked_by_events(dev, DIGESTER), *_invoked_by_events(dev, JOBS)]
    assert len(expected) == 2
    assert sorted(map(flatten, by_events)) == sorted(map(flatten, expected))
    principals = {
        p["Properties"]["Principal"] for p in dev.of_type("AWS::Lambda::Permission").values()
    }
    assert principals == {EVENTS, "apigateway.amazonaws.com"}
