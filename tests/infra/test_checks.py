"""cdk-nag (AwsSolutions) and cfn-lint over every variant of the template, checkov over each
stage's."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import lint
from constructs import IConstruct

from infra import checkov
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
    "AwsSolutions-IAM5[Resource::<DigestsBucket7909429A.Arn>/digests/*]",
    "AwsSolutions-IAM5[Resource::<DigestsBucket7909429A.Arn>/evidence/*]",
}
# Those of the digest ledger (infra/digests.py, with what the function factory acknowledges for
# every function), by construct path under the stack.
DIGEST_ACKNOWLEDGMENTS = {
    "Digests/Bucket": {"AwsSolutions-S1"},
    "Digests/Digester": {"AwsSolutions-L1"},
    "Digests/DigesterRole": {
        "AwsSolutions-IAM5[Resource::*]",
        "AwsSolutions-IAM5[Resource::<DigestsBucket7909429A.Arn>/digests/*]",
    },
}

# Every check skipped in the templates' metadata, by the type of resource it is skipped on; each
# skip names its resource and carries its reason (see infra/).
EXPECTED_CHECKOV_SKIPS = {
    "AWS::DynamoDB::Table": {"CKV_AWS_119"},
    "AWS::Lambda::Function": {"CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173"},
    "AWS::Logs::LogGroup": {"CKV_AWS_158"},
    "AWS::S3::Bucket": {"CKV_AWS_18", "CKV_AWS_21"},
    "AWS::SQS::Queue": {"CKV_AWS_27"},
}
# Those of the digest ledger, by construct: the bucket keeps no access log (but is versioned),
# and the digester has no dead-letter queue, VPC or key of its own for its variables.
DIGEST_CHECKOV_SKIPS = {
    "Digests/Bucket": {"CKV_AWS_18"},
    "Digests/Digester": {"CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173"},
    "Digests/DigesterLogs": {"CKV_AWS_158"},
}
# Built by `make install` (and so by `make test`) from requirements-checkov.txt.
CHECKOV = Path(__file__).resolve().parents[2] / ".venv-checkov" / "bin" / "checkov"
CHECKOV_STAGES = ["dev", "prod"]


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
def test_the_digest_ledgers_acknowledgments_are_its_own(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    found: dict[str, set[str]] = {}
    for path, construct in _digest_constructs(synth).items():
        for entry in construct.node.metadata:
            if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                rules = {rule.removeprefix("Annotation::") for rule in entry.data}
                found.setdefault(path, set()).update(rules)
    assert found == DIGEST_ACKNOWLEDGMENTS


@pytest.mark.parametrize("fixture", CHECKOV_STAGES)
def test_the_digest_ledgers_checkov_skips_are_its_own(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    by_logical_id = {
        synth.stack.get_logical_id(construct.node.default_child): path
        for path, construct in _digest_constructs(synth).items()
        if isinstance(construct.node.default_child, cdk.CfnElement)
    }
    found = {
        by_logical_id.get(logical_id, logical_id): {entry["id"] for entry in entries}
        for logical_id, entries in _checkov_skips(synth).items()
        if logical_id.startswith("Digests")
    }
    assert found == DIGEST_CHECKOV_SKIPS


def _digest_constructs(synth: Synth) -> dict[str, IConstruct]:
    """The constructs of the digest ledger, by path under the stack (`Digests/Bucket`, ...)."""
    stack_path = synth.stack.node.path
    return {
        path: construct
        for construct in synth.stack.node.find_all()
        if (path := construct.node.path.removeprefix(f"{stack_path}/")).startswith("Digests/")
    }


@pytest.mark.parametrize("fixture", VARIANTS)
def test_cfn_lint_reports_no_errors(request: pytest.FixtureRequest, fixture: str) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    matches = lint(json.dumps(synth.data), regions=["eu-west-1", "us-east-1"])
    # Warnings are not gated: W3005 (a redundant DependsOn CDK writes on every function) is
    # unavoidable from CDK.
    errors = [f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})" for m in matches]
    assert [e for e in errors if e.startswith("E")] == []


def _template_file(synth: Synth) -> Path:
    return Path(synth.app.outdir) / synth.stack.template_file


@pytest.fixture(scope="module")
def checkov_report(request: pytest.FixtureRequest) -> dict[str, Any]:
    """One checkov run over every stage's template: its start-up is most of its time."""
    if not CHECKOV.is_file():
        pytest.fail(f"{CHECKOV} is missing: `make install` builds it (requirements-checkov.txt)")
    synths: list[Synth] = [request.getfixturevalue(stage) for stage in CHECKOV_STAGES]
    # Without --skip-download checkov calls its vendor's API on every run.
    command = [str(CHECKOV), "--framework", "cloudformation", "--skip-download", "--output", "json"]
    for synth in synths:
        command += ["--file", str(_template_file(synth))]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    # 0: nothing failed; 1: a check failed (the test of its stage says which).
    assert run.returncode in (0, 1), run.stderr[-2000:]
    report: dict[str, Any] = json.loads(run.stdout)
    assert report["check_type"] == "cloudformation"
    assert report["results"]["parsing_errors"] == []
    # It read every resource: a template it could not read would pass, with no checks at all.
    assert report["summary"]["resource_count"] == sum(len(s.resources) for s in synths)
    return report


def _checkov_skips(synth: Synth) -> dict[str, list[dict[str, str]]]:
    """The skips in the template's metadata, by logical id."""
    return {
        logical_id: resource["Metadata"][checkov.METADATA_KEY]["skip"]
        for logical_id, resource in synth.resources.items()
        if checkov.METADATA_KEY in resource.get("Metadata", {})
    }


@pytest.mark.parametrize("fixture", CHECKOV_STAGES)
def test_checkov_reports_no_failed_checks(
    request: pytest.FixtureRequest, checkov_report: dict[str, Any], fixture: str
) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    template = str(_template_file(synth))
    results = {
        outcome: [c for c in checks if c["file_abs_path"] == template]
        for outcome, checks in checkov_report["results"].items()
    }
    failed = [
        f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in results["failed_checks"]
    ]
    assert failed == []
    assert results["passed_checks"]
    # checkov took every skip in the metadata, and skipped nothing else.
    skipped = {(c["check_id"], c["resource"].split(".", 1)[1]) for c in results["skipped_checks"]}
    declared = {
        (entry["id"], logical_id)
        for logical_id, entries in _checkov_skips(synth).items()
        for entry in entries
    }
    assert skipped == declared


@pytest.mark.parametrize("fixture", CHECKOV_STAGES)
def test_checkov_skips_are_narrow_and_explained(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    skipped: dict[str, set[str]] = {}
    for logical_id, entries in _checkov_skips(synth).items():
        for entry in entries:
            assert set(entry) == {"id", "comment"}, logical_id
            assert len(entry["comment"]) >= 60, f"{entry['id']} on {logical_id}"
            skipped.setdefault(synth.resources[logical_id]["Type"], set()).add(entry["id"])
    assert skipped == EXPECTED_CHECKOV_SKIPS


def test_a_check_is_skipped_once_beside_the_others(tmp_path: Path) -> None:
    stack = cdk.Stack(cdk.App(outdir=str(tmp_path)), "Skips")
    bucket = s3.Bucket(stack, "Bucket")
    checkov.skip(bucket, "CKV_AWS_18", "first reason")
    checkov.skip(bucket, "CKV_AWS_21", "second reason")
    with pytest.raises(ValueError, match="CKV_AWS_18 is already skipped"):
        checkov.skip(bucket, "CKV_AWS_18", "another reason")
    (resource,) = Template.from_stack(stack).find_resources("AWS::S3::Bucket").values()
    assert resource["Metadata"][checkov.METADATA_KEY] == {
        "skip": [
            {"id": "CKV_AWS_18", "comment": "first reason"},
            {"id": "CKV_AWS_21", "comment": "second reason"},
        ]
    }
