"""The HTTP API: command and query functions behind authorized routes, one route per route the
domains' descriptors declare (POST to the command function, GET to the query function)."""

from __future__ import annotations

import json
import re

import jsii
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from application.callers import Role
from hosting.catalogue import Catalogue
from hosting.routes import RouteInfo, routes
from httpkernel.auth import SCOPE_PREFIX
from infra import checkov, log_groups, nag
from infra.config import StackConfig
from infra.lambda_factory import FunctionFactory

# Which function serves which method: commands may write, queries only read.
COMMAND_METHODS = frozenset({"POST"})
QUERY_METHODS = frozenset({"GET"})
ROLES = tuple(Role)


def scopes(route: RouteInfo) -> list[str]:
    """The JWT scopes a route requires one of (none for the kernel's document and docs)."""
    return [f"{SCOPE_PREFIX}{role.value}" for role in sorted(route.roles or ())]


def invoke_resource(route: RouteInfo) -> str:
    """The route's path as an execute-api resource: every path parameter a `*`."""
    return re.sub(r"\{[^}]+\}", "*", route.path)


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
        served = routes(catalogue)
        unserved = [r for r in served if r.method not in COMMAND_METHODS | QUERY_METHODS]
        if unserved:
            raise ValueError(f"no function serves {unserved}: routes are POST or GET")
        self._jwt = bool(config.jwt_issuer)
        self._routes: list[apigwv2.HttpRoute] = []
        self.command_function = functions.create(
            self,
            "CommandFunction",
            name="command",
            handler="handlers.commands.handler",
            description="Ledger commands: decide, then append to the event table",
            reserved_concurrency=config.command_reserved_concurrency,
        )
        self.query_function = functions.create(
            self,
            "QueryFunction",
            name="query",
            handler="handlers.queries.handler",
            description="Ledger queries, the OpenAPI document and the docs page",
            reserved_concurrency=config.query_reserved_concurrency,
        )
        for function in self.functions:
            checkov.skip(
                function,
                "CKV_AWS_116",
                "Invoked only by this HTTP API (API Gateway holds its one invoke permission), and"
                " synchronously: a failure is the caller's error response. A dead-letter queue"
                " only catches failed asynchronous invocations, which this function never gets.",
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
        access_logs = log_groups.create(
            self,
            "AccessLogs",
            days=config.log_retention_days,
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
        commands = [r for r in served if r.method in COMMAND_METHODS]
        queries = [r for r in served if r.method in QUERY_METHODS]
        self._route(commands, "Commands", self.command_function)
        self._route(queries, "Queries", self.query_function)
        self._throttle(config, commands, queries)
        # On IAM, what a principal may invoke is its role's policy; with JWTs, its scopes.
        self.invoke_policies = {} if self._jwt else self._invoke_policies(config, served)

    @property
    def url(self) -> str:
        return self.stage.url

    @property
    def functions(self) -> tuple[lambda_.Function, ...]:
        return (self.command_function, self.query_function)

    def _route(self, served: list[RouteInfo], name: str, function: lambda_.IFunction) -> None:
        integration = integrations.HttpLambdaIntegration(
            name,
            function,
            payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0,
        )
        for route in served:
            self._routes += self.http_api.add_routes(
                path=route.path,
                methods=[apigwv2.HttpMethod(route.method)],
                integration=integration,
                authorization_scopes=scopes(route) if self._jwt and route.roles else None,
            )

    def _throttle(
        self, config: StackConfig, commands: list[RouteInfo], queries: list[RouteInfo]
    ) -> None:
        """Per-route limits under the stage's: one busy route cannot take the whole stage."""
        limits = [
            (commands, config.api_command_rate_limit, config.api_command_burst_limit),
            (queries, config.api_query_rate_limit, config.api_query_burst_limit),
        ]
        stage = self.stage.node.default_child
        assert isinstance(stage, apigwv2.CfnStage)
        # The settings name routes by key: CloudFormation must create those first.
        for route in self._routes:
            self.stage.node.add_dependency(route)
        # RouteSettings is free-form JSON to CloudFormation: its keys are written as CloudFormation
        # names them (the L1's property class would write them in camelCase).
        stage.route_settings = {
            f"{route.method} {route.path}": {
                "ThrottlingRateLimit": rate,
                "ThrottlingBurstLimit": burst,
            }
            for served, rate, burst in limits
            for route in served
        }

    def _invoke_policies(
        self, config: StackConfig, served: list[RouteInfo]
    ) -> dict[Role, iam.ManagedPolicy]:
        """One managed policy per role: execute-api:Invoke on exactly that role's routes (and
        the document and docs page). Attach it to the principals of that role; the functions
        learn their roles from `iam_principal_roles`."""
        policies = {}
        for role in ROLES:
            allowed = [r for r in served if r.roles is None or role in r.roles]
            arns = {
                r: self.http_api.arn_for_execute_api(r.method, invoke_resource(r), "$default")
                for r in allowed
            }
            policy = iam.ManagedPolicy(
                self,
                f"{role.value.capitalize()}InvokePolicy",
                managed_policy_name=config.name(f"{role.value}-invoke"),
                description=f"Invoke the ledger API's {role.value} routes ({config.stage})",
                statements=[
                    iam.PolicyStatement(
                        actions=["execute-api:Invoke"], resources=list(arns.values())
                    )
                ],
            )
            nag.acknowledge_resources(
                policy,
                [arn for r, arn in arns.items() if "*" in invoke_resource(r)],
                "Each resource is one route of this API's $default stage; the `*` stands for a"
                " path parameter (an account id), not for other routes or APIs.",
            )
            policies[role] = policy
        return policies


def _authorizer(config: StackConfig) -> apigwv2.IHttpRouteAuthorizer:
    if config.jwt_issuer and config.jwt_audience:
        return authorizers.HttpJwtAuthorizer(
            "JwtAuthorizer", config.jwt_issuer, jwt_audience=list(config.jwt_audience)
        )
    return authorizers.HttpIamAuthorizer()
