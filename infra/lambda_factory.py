"""One way to build a Lambda function for this stack, shared by every handler.

Each function gets its own role (no AWS managed policy: only its log group, X-Ray and the grants
the stack adds), its own log group with a retention, the Powertools layer, JSON logs and active
tracing. A later function (the EventBridge publisher) is one more `create` call.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from infra import checkov, log_groups, nag
from infra.config import StackConfig

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"
ASSET_EXCLUDE = [
    "__pycache__",
    "*.pyc",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    "*.egg-info",
    ".DS_Store",
]
REQUIREMENTS = FUNCTIONS_DIR.parent / "requirements.txt"
_POWERTOOLS_PIN = re.compile(
    r"^aws-lambda-powertools(\[[^\]]*\])?==(?P<version>[0-9][^\s#;]*)", re.M
)


def powertools_version(requirements: Path = REQUIREMENTS) -> str:
    """The Powertools release requirements.txt pins: the one every test runs against."""
    found = _POWERTOOLS_PIN.search(requirements.read_text())
    if found is None:
        raise ValueError(f"{requirements} pins no aws-lambda-powertools==<version>")
    return found["version"]


def powertools_layer_parameter(version: str) -> str:
    """The public SSM parameter Powertools publishes for one release's layer. CloudFormation
    resolves it at deploy time (synth needs no AWS call); a versioned one, not `latest`, so the
    functions run the release the tests ran."""
    return f"/aws/service/powertools/python/arm64/python3.13/{version}"


RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64

_LAMBDA_LOG_LEVEL = {
    "DEBUG": lambda_.ApplicationLogLevel.DEBUG,
    "INFO": lambda_.ApplicationLogLevel.INFO,
    "WARNING": lambda_.ApplicationLogLevel.WARN,
    "ERROR": lambda_.ApplicationLogLevel.ERROR,
}


class FunctionFactory(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StackConfig,
        environment: Mapping[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._environment = dict(environment)
        self._code = lambda_.Code.from_asset(str(FUNCTIONS_DIR), exclude=ASSET_EXCLUDE)
        parameter = powertools_layer_parameter(powertools_version())
        layer_arn = ssm.StringParameter.value_for_string_parameter(self, parameter)
        self._powertools = lambda_.LayerVersion.from_layer_version_arn(
            self, "PowertoolsLayer", layer_arn
        )

    def create(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        handler: str,
        description: str,
        reserved_concurrency: int,
        memory_size: int = 512,
        timeout: cdk.Duration | None = None,
    ) -> lambda_.Function:
        """A function that never runs more than `reserved_concurrency` at once, and always may
        (the reservation is its own, out of the account's pool)."""
        config = self._config
        role = iam.Role(
            scope,
            f"{construct_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Runs {handler} ({config.stage})",
        )
        log_group = log_groups.create(
            scope,
            f"{construct_id}Logs",
            days=config.log_retention_days,
            removal_policy=config.removal_policy,
        )
        log_group.grant_write(role)
        function = lambda_.Function(
            scope,
            construct_id,
            function_name=config.name(name),
            description=description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            code=self._code,
            handler=handler,
            layers=[self._powertools],
            environment=self._environment,
            role=role,
            memory_size=memory_size,
            timeout=timeout or cdk.Duration.seconds(10),
            reserved_concurrent_executions=reserved_concurrency,
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            log_group=log_group,
            # Lambda filters JSON application logs itself; keep it in step with Powertools'
            # LOG_LEVEL so neither silently drops what the other lets through.
            application_log_level_v2=_LAMBDA_LOG_LEVEL[config.log_level],
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
        )
        nag.acknowledge(
            function,
            "AwsSolutions-L1",
            "python3.13 is pinned on purpose: the Powertools layer comes from the python3.13"
            " SSM path and the handlers are tested on 3.13; runtime and layer move together.",
        )
        nag.acknowledge_star_resource(
            function,
            "Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which have"
            ' no resource-level permissions: AWS only accepts Resource "*" for them.',
        )
        checkov.skip(
            function,
            "CKV_AWS_117",
            "The handlers call only AWS service APIs (DynamoDB, S3, EventBridge, CloudWatch,"
            " X-Ray) over TLS with IAM-signed requests; the stack has no VPC or private resource"
            " to reach, so a VPC would add NAT gateway or endpoint cost and protect nothing.",
        )
        checkov.skip(
            function,
            "CKV_AWS_173",
            "The variables hold no secret: resource names (tables, bucket, bus), settings (stage,"
            " log level, snapshot cadence, auth mode) and the IAM principal-to-role map, all in"
            " this template. Lambda encrypts them at rest with its AWS managed key.",
        )
        return function
