"""cdk-nag acknowledgments, each scoped to the construct it is about and carrying its reason."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks
from constructs import Construct, IConstruct


def add_checks(app: cdk.App) -> None:
    """Runs AwsSolutions checks at synth: any unacknowledged finding fails the synth."""
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule, reason=reason))


def acknowledge_star_resource(grantee: iam.IGrantable, reason: str) -> None:
    """Acknowledges Resource "*" in the grantee's policy; call once per action that needs it."""
    acknowledge(_principal_construct(grantee), "AwsSolutions-IAM5[Resource::*]", reason)


def acknowledge_policy_resource(grantee: iam.IGrantable, resource: str, reason: str) -> None:
    """Acknowledges AwsSolutions-IAM5 for one wildcard resource ARN in the grantee's policy."""
    principal = _principal_construct(grantee)
    finding = _flatten(cdk.Stack.of(principal).resolve(resource))
    acknowledge(principal, f"AwsSolutions-IAM5[Resource::{finding}]", reason)


def acknowledge_resources(scope: Construct, resources: Sequence[str], reason: str) -> None:
    """Acknowledges AwsSolutions-IAM5 for each wildcard resource ARN of a policy `scope`."""
    for resource in resources:
        finding = _flatten(cdk.Stack.of(scope).resolve(resource))
        acknowledge(scope, f"AwsSolutions-IAM5[Resource::{finding}]", reason)


def _principal_construct(grantee: iam.IGrantable) -> Construct:
    principal = grantee.grant_principal
    if not isinstance(principal, Construct):
        raise TypeError(f"{principal} is not a construct; cannot scope an acknowledgment to it")
    return principal


def _flatten(value: Any) -> str:
    """The string cdk-nag derives from a CloudFormation value to name a finding."""
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    intrinsic: dict[str, Any] = value if isinstance(value, dict) else {}
    function: str = next(iter(intrinsic), "")
    argument: Any = intrinsic.get(function)
    if function == "Fn::Join":
        delimiter, items = argument
        flat = str(delimiter).join(_flatten(item) for item in items)
    elif function in ("Fn::Sub", "Fn::ImportValue"):
        flat = _flatten(argument)
    elif function == "Fn::GetAtt":
        flat = f"<{_flatten(argument[0])}.{_flatten(argument[1])}>"
    elif function == "Ref":
        flat = f"<{_flatten(argument)}>"
    else:
        flat = json.dumps(value)
    return flat
