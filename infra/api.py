"""The HTTP API: command and query functions behind authorized routes, one route per route the
domains' descriptors declare (POST to the command function, GET to the query function)."""

from __future__ import annotations

import json

import jsii
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from hosting.catalogue import Catalogue
from hosting.routes import route_keys
from infra.config import StackConfig
from infra.lambda_factory import FunctionFactory
from infra.log_groups import retention

Route = tuple[apigwv2.HttpMethod, str]
# Which function serves which method: commands may write, queries only read.
COMMAND_METHODS = frozenset({"POST"})
QUERY_METHODS = frozenset({"GET"})


def routes_of(keys: list[tuple[str, str]], methods: frozenset[str]) -> tuple[Route, ...]:
    return tuple((apigwv2.HttpMethod(method), path) for method, path in keys if method in methods)


# One JSON object per request; the $context variables are those HTTP APIs support.
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "routeKey": "$context.routeKey",
    "path": "$context.path",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationError": "$context.integrationErrorMessage",
    "authorizerError": "$context.authorizer.error",
    "caller": "$context.identity.caller",
    "userArn": "$context.identity.userArn",
    "jwtSubject": "$context.authorizer.claims.sub",
    "userAgent": "$context.identity.userAgent",
}


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS, separators=(",", ":")))


class LedgerApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StackConfig,
        functions: FunctionFactory,
        catalogue: Catalogue,
    ) -> None:
        super().__init__(scope, construct_id)
        keys = route_keys(catalogue)
        unserved = [key for key in keys if key[0] not in COMMAND_METHODS | QUERY_METHODS]
        if unserved:
            raise ValueError(f"no function serves {unserved}: routes are POST or GET")
        self.command_function = functions.create(
            self,
            "CommandFunction",
            name="command",
            handler="handlers.commands.handler",
            description="Ledger commands: decide, then append to the event table",
        )
        self.query_function = functions.create(
            self,
            "QueryFunction",
            name="query",
            handler="handlers.queries.handler",
            description="Ledger queries, the OpenAPI document and the docs page",
        )
        # Every route inherits this authorizer, and there is no $default (catch-all) route:
        # nothing on this API answers an unauthenticated request.
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            api_name=config.name("api"),
            description=f"Event-sourced ledger ({config.stage})",
            default_authorizer=_authorizer(config),
            create_default_stage=False,
        )
        # The stage is built by hand because HttpApi's own default stage takes no access logs.
        access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            retention=retention(config.log_retention_days),
            removal_policy=config.removal_policy,
        )
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=config.api_throttle_rate_limit,
                burst_limit=config.api_throttle_burst_limit,
            ),
            access_log_settings=_AccessLogSettings(access_logs),
        )
        self._route(routes_of(keys, COMMAND_METHODS), "Commands", self.command_function)
        self._route(routes_of(keys, QUERY_METHODS), "Queries", self.query_function)

    @property
    def url(self) -> str:
        return self.stage.url

    @property
    def functions(self) -> tuple[lambda_.Function, ...]:
        return (self.command_function, self.query_function)

    def _route(self, routes: tuple[Route, ...], name: str, function: lambda_.IFunction) -> None:
        integration = integrations.HttpLambdaIntegration(
            name,
            function,
            payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0,
        )
        for method, path in routes:
            self.http_api.add_routes(path=path, methods=[method], integration=integration)


def _authorizer(config: StackConfig) -> apigwv2.IHttpRouteAuthorizer:
    if config.jwt_issuer and config.jwt_audience:
        return authorizers.HttpJwtAuthorizer(
            "JwtAuthorizer", config.jwt_issuer, jwt_audience=list(config.jwt_audience)
        )
    return authorizers.HttpIamAuthorizer()
