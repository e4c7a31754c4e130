"""Shared helpers for the CDK tests: synthesize once, then read the template as plain data."""

from __future__ import annotations

import json
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
