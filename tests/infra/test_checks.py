"""cdk-nag (AwsSolutions) and cfn-lint over every variant of the template."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import lint

from infra.stack import build
from installed_domains import DOMAINS
from tests.infra.synth import Synth

VARIANTS = ["dev", "prod", "custom"]

# Every acknowledgment in the app, by rule; each is scoped to one construct (see infra/).
EXPECTED_ACKNOWLEDGMENTS = {
    "AwsSolutions-S1",
    "AwsSolutions-SQS3",
    "AwsSolutions-L1",
    "AwsSolutions-IAM5[Resource::*]",
    "AwsSolutions-IAM5[Resource::<SnapshotsBucket4B2233F7.Arn>/snapshots/*]",
}


@pytest.mark.parametrize("fixture", VARIANTS)
def test_no_unacknowledged_cdk_nag_findings(request: pytest.FixtureRequest, fixture: str) -> None:
    # The fixture's synth already ran the plugin (a finding would have raised); this states it.
    synth: Synth = request.getfixturevalue(fixture)
    report = AwsSolutionsChecks().validate_scope(synth.app)
    findings = {
        violation.rule_name: [r.construct_path for r in violation.violating_resources]
        for violation in report.violations
    }
    assert findings == {}


def test_a_new_finding_fails_the_synth(tmp_path: Path) -> None:
    """build() (what app.py runs) wires the checks in, so a deploy cannot skip them."""
    app = cdk.App(outdir=str(tmp_path))
    stack = build(app, DOMAINS)
    s3.Bucket(stack, "CarelessBucket")
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        Template.from_stack(stack)
    report = json.loads((tmp_path / "validation-report.json").read_text())
    violations = {
        violation["ruleName"]: [c["constructPath"] for c in violation["violatingConstructs"]]
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
    }
    # Only the careless bucket is reported: the rest of the stack stays clean.
    assert violations["AwsSolutions-S1"] == ["Ledger-dev/CarelessBucket/Resource"]
    assert {path for paths in violations.values() for path in paths} == {
        "Ledger-dev/CarelessBucket/Resource"
    }


@pytest.mark.parametrize("fixture", VARIANTS)
def test_acknowledgments_are_narrow_and_explained(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    rules: set[str] = set()
    for construct in synth.app.node.find_all():
        for entry in construct.node.metadata:
            if entry.type != cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                continue
            # Never a blanket acknowledgment on the app or the whole stack.
            assert not isinstance(construct, cdk.Stage | cdk.Stack), construct.node.path
            for rule, reason in entry.data.items():
                rules.add(rule.removeprefix("Annotation::"))
                assert len(reason) >= 60, f"{rule} on {construct.node.path}: {reason!r}"
    # The per-role invoke policies: one route each, the `*` a path parameter.
    routes = {rule for rule in rules if ":execute-api:" in rule}
    assert routes or fixture == "custom", "the invoke policies' path parameters are acknowledged"
    assert all("/$default/" in rule and rule.count("*") == 1 for rule in routes)
    assert rules - routes == EXPECTED_ACKNOWLEDGMENTS


@pytest.mark.parametrize("fixture", VARIANTS)
def test_cfn_lint_reports_no_errors(request: pytest.FixtureRequest, fixture: str) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    matches = lint(json.dumps(synth.data), regions=["eu-west-1", "us-east-1"])
    # Warnings are not gated: W3005 (a redundant DependsOn CDK writes on every function) is
    # unavoidable from CDK.
    errors = [f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})" for m in matches]
    assert [e for e in errors if e.startswith("E")] == []
