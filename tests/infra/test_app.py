"""The entry point: `python app.py` writes an assembly offline, and the stack's outputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from esctl.connection import outputs
from installed_domains import DOMAINS
from tests.infra.synth import Synth

EXPECTED_OUTPUTS = {
    "ApiUrl",
    "EventsTableName",
    "IdempotencyTableName",
    "AccountsBlueTableName",
    "AccountsGreenTableName",
    "TransfersBlueTableName",
    "TransfersGreenTableName",
    "ProjectionsTableName",
    "SnapshotBucketName",
    "SnapshotSigningKeyArn",
    "DigestBucketName",
    "DigestSigningKeyArn",
    "SubjectKeysTableName",
    "PersonalDataKeyArn",
    "ProjectorDeadLetterQueueUrl",
    "EventBusName",
    "EventArchiveName",
    "IntegrationExampleQueueUrl",
    "PublisherDeadLetterQueueUrl",
    "AlarmTopicArn",
    "DashboardName",
    # With IAM authorization (the default), one policy per role to attach to its principals.
    "CustomerInvokePolicyArn",
    "OperatorInvokePolicyArn",
    "AuditorInvokePolicyArn",
}


def test_python_app_writes_the_assembly_without_aws(repo_root: Path, tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") and not key.startswith("CDK_")
    }
    # Any attempt to reach AWS would fail fast rather than find credentials somewhere.
    env |= {
        "CDK_OUTDIR": str(tmp_path),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    template = json.loads((tmp_path / "Ledger-dev.template.json").read_text())
    assert set(template["Outputs"]) == EXPECTED_OUTPUTS
    assert (tmp_path / "manifest.json").is_file()


@pytest.mark.parametrize("fixture", ["dev", "prod"])
def test_stack_name_and_outputs(request: pytest.FixtureRequest, fixture: str) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    assert synth.stack.stack_name == f"Ledger-{synth.stage}"
    assert set(synth.data["Outputs"]) == EXPECTED_OUTPUTS
    assert synth.data["Outputs"]["ApiUrl"]["Value"]["Fn::Join"][1][0] == "https://"


@pytest.mark.parametrize("fixture", ["dev", "prod"])
def test_the_bucket_and_key_outputs_name_the_resources(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    values = {name: output["Value"] for name, output in synth.data["Outputs"].items()}
    assert values["SnapshotBucketName"] == {"Ref": synth.snapshot_bucket()[0]}
    assert values["SnapshotSigningKeyArn"] == {
        "Fn::GetAtt": [synth.signing_key("snapshots")[0], "Arn"]
    }
    assert values["DigestBucketName"] == {"Ref": synth.digest_bucket()[0]}
    assert values["DigestSigningKeyArn"] == {"Fn::GetAtt": [synth.signing_key("digests")[0], "Arn"]}


def test_every_output_esctl_reads_is_an_output(dev: Synth) -> None:
    # `esctl --stack` finds the buckets, keys, tables and bus by these names.
    assert set(outputs(DOMAINS)) <= set(dev.data["Outputs"])
