"""Shared helpers for the CDK tests: synthesize once, then read the template as plain data."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template

from infra.resources import TableSpec
from infra.stack import LedgerStack, build
from installed_domains import DOMAINS

Resource = dict[str, Any]


@dataclass
class Synth:
    app: cdk.App
    stack: LedgerStack
    template: Template
    data: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.data = self.template.to_json()

    @property
    def stage(self) -> str:
        return str(self.app.node.try_get_context("stage") or "dev")

    @property
    def resources(self) -> dict[str, Resource]:
        return dict(self.data["Resources"])

    def of_type(self, resource_type: str) -> dict[str, Resource]:
        return {k: v for k, v in self.resources.items() if v["Type"] == resource_type}

    def one(self, resource_type: str) -> tuple[str, Resource]:
        found = self.of_type(resource_type)
        assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
        return next(iter(found.items()))

    def table(self, spec: TableSpec) -> tuple[str, Resource]:
        name = spec.physical_name(self.stage)
        matches = [
            (logical_id, resource)
            for logical_id, resource in self.of_type("AWS::DynamoDB::Table").items()
            if resource["Properties"].get("TableName") == name
        ]
        assert len(matches) == 1, f"no single table named {name}"
        return matches[0]

    def bucket(self, construct_path: str) -> tuple[str, Resource]:
        """The bucket of the construct `construct_path` (e.g. `Snapshots`): CDK derives its
        logical id from the path, so `SnapshotsBucket<hash>`."""
        logical = re.compile(f"{construct_path}Bucket[0-9A-F]{{8}}")
        matches = [
            (logical_id, resource)
            for logical_id, resource in self.of_type("AWS::S3::Bucket").items()
            if logical.fullmatch(logical_id)
        ]
        assert len(matches) == 1, f"no single bucket {logical.pattern}"
        return matches[0]

    def snapshot_bucket(self) -> tuple[str, Resource]:
        return self.bucket("Snapshots")

    def digest_bucket(self) -> tuple[str, Resource]:
        return self.bucket("Digests")

    def bucket_policy(self, bucket_id: str) -> list[dict[str, Any]]:
        """The statements of the one bucket policy of the bucket `bucket_id`."""
        matches = [
            policy["Properties"]["PolicyDocument"]["Statement"]
            for policy in self.of_type("AWS::S3::BucketPolicy").values()
            if policy["Properties"]["Bucket"] == {"Ref": bucket_id}
        ]
        assert len(matches) == 1, f"no single bucket policy on {bucket_id}"
        return list(matches[0])

    def signing_key(self, purpose: str) -> tuple[str, Resource]:
        """The KMS key under the alias `alias/ledger-<stage>-<purpose>`."""
        name = f"alias/ledger-{self.stage}-{purpose}"
        aliases = [
            alias["Properties"]["TargetKeyId"]
            for alias in self.of_type("AWS::KMS::Alias").values()
            if alias["Properties"]["AliasName"] == name
        ]
        assert len(aliases) == 1, f"no single alias {name}"
        [target] = aliases
        assert set(target) == {"Fn::GetAtt"}, f"{name} targets {target}"
        logical_id, attribute = target["Fn::GetAtt"]
        assert attribute == "Arn"
        key = self.resources[logical_id]
        assert key["Type"] == "AWS::KMS::Key", f"{name} targets {key['Type']}"
        return logical_id, key

    def function(self, handler: str) -> tuple[str, Resource]:
        matches = [
            (logical_id, resource)
            for logical_id, resource in self.of_type("AWS::Lambda::Function").items()
            if resource["Properties"].get("Handler") == handler
        ]
        assert len(matches) == 1, f"no single function with handler {handler}"
        return matches[0]

    def queue(self, name: str) -> tuple[str, Resource]:
        """The queue whose physical name is `ledger-<stage>-<name>`."""
        physical = f"ledger-{self.stage}-{name}"
        matches = [
            (logical_id, resource)
            for logical_id, resource in self.of_type("AWS::SQS::Queue").items()
            if resource["Properties"].get("QueueName") == physical
        ]
        assert len(matches) == 1, f"no single queue named {physical}"
        return matches[0]

    def event_source_of(self, handler: str) -> tuple[str, Resource]:
        """The one event source mapping feeding the function with `handler`."""
        function_id = self.function(handler)[0]
        matches = [
            (logical_id, resource)
            for logical_id, resource in self.of_type("AWS::Lambda::EventSourceMapping").items()
            if resource["Properties"]["FunctionName"] == {"Ref": function_id}
        ]
        assert len(matches) == 1, f"no single event source mapping for {handler}"
        return matches[0]

    def rule(self, name: str) -> tuple[str, Resource]:
        """The EventBridge rule whose physical name is `ledger-<stage>-<name>`."""
        physical = f"ledger-{self.stage}-{name}"
        matches = [
            (logical_id, resource)
            for logical_id, resource in self.of_type("AWS::Events::Rule").items()
            if resource["Properties"].get("Name") == physical
        ]
        assert len(matches) == 1, f"no single rule named {physical}"
        return matches[0]

    def rules_targeting(self, handler: str) -> dict[str, Resource]:
        """Every EventBridge rule with a target that is the function with `handler`."""
        arn = {"Fn::GetAtt": [self.function(handler)[0], "Arn"]}
        return {
            logical_id: resource
            for logical_id, resource in self.of_type("AWS::Events::Rule").items()
            if any(t["Arn"] == arn for t in resource["Properties"].get("Targets", []))
        }

    def role_of(self, handler: str) -> Any:
        """The function's role ARN, as the template writes it ({"Fn::GetAtt": [role, "Arn"]})."""
        return self.function(handler)[1]["Properties"]["Role"]

    def statements_of(self, handler: str) -> list[dict[str, Any]]:
        """Every statement of every IAM policy attached to the role of the function."""
        _, function = self.function(handler)
        role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
        statements: list[dict[str, Any]] = []
        for policy in self.of_type("AWS::IAM::Policy").values():
            if {"Ref": role_id} in policy["Properties"]["Roles"]:
                statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
        return statements

    def actions_by_resource(self, handler: str) -> dict[str, set[str]]:
        """Allowed actions of the function's role, keyed by flattened resource."""
        granted: dict[str, set[str]] = {}
        for statement in self.statements_of(handler):
            assert statement["Effect"] == "Allow"
            for resource in as_list(statement["Resource"]):
                granted.setdefault(flatten(resource), set()).update(as_list(statement["Action"]))
        return granted


def synthesize(context: dict[str, Any], outdir: Path) -> Synth:
    """Builds the app exactly as app.py does (cdk-nag included: a finding makes this raise)."""
    app = cdk.App(context=context, outdir=str(outdir))
    stack = build(app, DOMAINS)
    return Synth(app=app, stack=stack, template=Template.from_stack(stack))


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def flatten(value: Any) -> str:
    """A CloudFormation value as text: {"Fn::GetAtt": ["X", "Arn"]} -> "<X.Arn>"."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(flatten(item) for item in value)
    if "Fn::Join" in value:
        delimiter, items = value["Fn::Join"]
        return str(delimiter).join(flatten(item) for item in items)
    if "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        return f"<{logical_id}.{attribute}>"
    if "Ref" in value:
        return f"<{value['Ref']}>"
    return json.dumps(value, sort_keys=True)
