"""The projector's event source: finite retries, bisection, partial failures, a DLQ."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match

from infra.resources import EVENTS
from tests.infra.synth import Synth

PROJECTOR = "handlers.projector.handler"


@pytest.mark.parametrize(("fixture", "parallelization"), [("dev", 1), ("prod", 2)])
def test_event_source_options(
    request: pytest.FixtureRequest, fixture: str, parallelization: int
) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    _, mapping = synth.event_source_of(PROJECTOR)
    props = mapping["Properties"]
    queue_id = synth.queue("projector-dlq")[0]
    assert props["EventSourceArn"] == {"Fn::GetAtt": [synth.table(EVENTS)[0], "StreamArn"]}
    assert props["FunctionName"] == {"Ref": synth.function(PROJECTOR)[0]}
    assert props["StartingPosition"] == "TRIM_HORIZON"
    assert props["BatchSize"] == 100
    assert props["MaximumBatchingWindowInSeconds"] == 1
    assert props["BisectBatchOnFunctionError"] is True
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["MaximumRetryAttempts"] == 5
    assert props["MaximumRecordAgeInSeconds"] == 86400
    assert props["ParallelizationFactor"] == parallelization
    assert props["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": [queue_id, "Arn"]}}
    }


def test_event_source_options_come_from_context(custom: Synth) -> None:
    props = custom.event_source_of(PROJECTOR)[1]["Properties"]
    assert props["BatchSize"] == 25
    assert props["MaximumBatchingWindowInSeconds"] == 3
    assert props["MaximumRetryAttempts"] == 2
    assert props["MaximumRecordAgeInSeconds"] == 3600
    assert props["ParallelizationFactor"] == 4


def test_dead_letter_queue_is_encrypted_and_tls_only(stage_synth: Synth) -> None:
    queue_id, queue = stage_synth.queue("projector-dlq")
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    stage_synth.template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "Queues": [{"Ref": queue_id}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            },
        },
    )
