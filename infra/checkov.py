"""checkov skips, each on the CloudFormation resource it is about and carrying its reason.

checkov reads a resource's skips from its template Metadata (`checkov.skip`) and reports them as
skipped, with the reason, instead of failed; tests/infra/test_checks.py runs it on every stage.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import IConstruct

METADATA_KEY = "checkov"


def skip(scope: IConstruct, check: str, reason: str) -> None:
    """Skips `check` on the L1 resource behind `scope`, beside the skips it already has."""
    resource = _resource(scope)
    current: dict[str, Any] = resource.get_metadata(METADATA_KEY) or {}
    skips: list[dict[str, str]] = list(current.get("skip", []))
    if any(entry["id"] == check for entry in skips):
        # Two reasons for one skip: one of them would silently be lost.
        raise ValueError(f"{check} is already skipped on {resource.node.path}")
    skips.append({"id": check, "comment": reason})
    resource.add_metadata(METADATA_KEY, {**current, "skip": skips})


def _resource(scope: IConstruct) -> cdk.CfnResource:
    if isinstance(scope, cdk.CfnResource):
        return scope
    child = scope.node.default_child
    if not isinstance(child, cdk.CfnResource):
        raise TypeError(f"{scope.node.path} has no CloudFormation resource to skip a check on")
    return child
