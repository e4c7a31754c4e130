"""The integration feed: the bus, its archive, the example subscription and the publisher."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match

from domains.accounts.integration import SOURCE as ACCOUNTS_SOURCE
from domains.transfers.integration import SOURCE as TRANSFERS_SOURCE
from infra.resources import EVENTS
from installed_domains import DOMAINS
from tests.infra.synth import Synth

PUBLISHER = "handlers.publisher.handler"
JOBS = "handlers.jobs.handler"
DIGESTER = "handlers.digester.handler"
# Every domain's source, in domain order: what the archive and the example rule match.
LEDGER_EVENTS = {"source": ["ledger.accounts", "ledger.transfers"]}


@pytest.mark.parametrize("fixture", ["dev", "prod"])
def test_bus(request: pytest.FixtureRequest, fixture: str) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    _, bus = synth.one("AWS::Events::EventBus")
    assert bus["Properties"]["Name"] == f"ledger-{synth.stage}-events"
    # No bus policy: only principals of this account with PutEvents on it can publish.
    assert "Policy" not in bus["Properties"]
    assert synth.of_type("AWS::Events::EventBusPolicy") == {}


@pytest.mark.parametrize(("fixture", "days"), [("dev", 30), ("prod", 365), ("custom", 7)])
def test_archive_keeps_every_ledger_event(
    request: pytest.FixtureRequest, fixture: str, days: int
) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    bus_id = synth.one("AWS::Events::EventBus")[0]
    props = synth.one("AWS::Events::Archive")[1]["Properties"]
    assert props["SourceArn"] == {"Fn::GetAtt": [bus_id, "Arn"]}
    assert props["EventPattern"] == LEDGER_EVENTS
    assert props["RetentionDays"] == days
    assert props["ArchiveName"] == f"ledger-{synth.stage}-events-archive"
    # An empty KmsKeyIdentifier (what the L2 writes without a key) breaks some deployments.
    assert "KmsKeyIdentifier" not in props


def test_example_rule_routes_every_ledger_event_to_the_queue(stage_synth: Synth) -> None:
    bus_id = stage_synth.one("AWS::Events::EventBus")[0]
    queue_id = stage_synth.queue("integration-example")[0]
    dead_letters_id = stage_synth.queue("integration-example-dlq")[0]
    _, rule = stage_synth.rule("integration-example")
    props = rule["Properties"]
    assert props["EventBusName"] == {"Ref": bus_id}
    assert props["EventPattern"] == LEDGER_EVENTS
    assert props["State"] == "ENABLED"
    [target] = props["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dead_letters_id, "Arn"]}}
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}


def test_example_queue_is_encrypted_tls_only_and_dead_lettered(stage_synth: Synth) -> None:
    queue_id, queue = stage_synth.queue("integration-example")
    dead_letters_id, dead_letters = stage_synth.queue("integration-example-dlq")
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    assert dead_letters["Properties"]["SqsManagedSseEnabled"] is True
    assert queue["Properties"]["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dead_letters_id, "Arn"]},
        "maxReceiveCount": 5,
    }
    for logical_id in (queue_id, dead_letters_id):
        stage_synth.template.has_resource_properties(
            "AWS::SQS::QueuePolicy",
            {
                "Queues": [{"Ref": logical_id}],
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


def test_the_example_rule_and_the_two_schedules_are_the_only_rules(stage_synth: Synth) -> None:
    example = stage_synth.rule("integration-example")[0]
    digests = set(stage_synth.rules_targeting(DIGESTER))
    jobs = set(stage_synth.rules_targeting(JOBS))
    assert set(stage_synth.of_type("AWS::Events::Rule")) == {example} | digests | jobs
    assert len(stage_synth.of_type("AWS::Events::Rule")) == 3
    assert (len(digests), len(jobs)) == (1, 1)
    assert example not in digests | jobs
    assert digests != jobs


def test_the_jobs_schedule_runs_them_every_minute_without_retries(stage_synth: Synth) -> None:
    (rule,) = stage_synth.rules_targeting(JOBS).values()
    props = rule["Properties"]
    assert props["ScheduleExpression"] == "rate(1 minute)"
    assert "EventBusName" not in props
    assert props["Targets"] == [
        {
            "Arn": {"Fn::GetAtt": [stage_synth.function(JOBS)[0], "Arn"]},
            "Id": "Target0",
            "RetryPolicy": {"MaximumRetryAttempts": 0},
        }
    ]


@pytest.mark.parametrize("queue_name", ["integration-example", "integration-example-dlq"])
def test_only_the_rule_may_send_to_the_example_queues(dev: Synth, queue_name: str) -> None:
    queue_id = dev.queue(queue_name)[0]
    rule_id = dev.rule("integration-example")[0]
    [policy] = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in dev.of_type("AWS::SQS::QueuePolicy").values()
        if p["Properties"]["Queues"] == [{"Ref": queue_id}]
    ]
    allows = [statement for statement in policy if statement["Effect"] == "Allow"]
    assert len(allows) == 1
    [allow] = allows
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert "sqs:SendMessage" in allow["Action"]
    assert allow["Resource"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}}}


@pytest.mark.parametrize(("fixture", "parallelization"), [("dev", 1), ("prod", 2)])
def test_publisher_is_a_separate_stream_consumer(
    request: pytest.FixtureRequest, fixture: str, parallelization: int
) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    props = synth.event_source_of(PUBLISHER)[1]["Properties"]
    assert props["EventSourceArn"] == {"Fn::GetAtt": [synth.table(EVENTS)[0], "StreamArn"]}
    assert props["StartingPosition"] == "TRIM_HORIZON"
    assert props["BatchSize"] == 100
    assert props["MaximumBatchingWindowInSeconds"] == 1
    assert props["BisectBatchOnFunctionError"] is True
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["MaximumRetryAttempts"] == 5
    assert props["MaximumRecordAgeInSeconds"] == 86400
    assert props["ParallelizationFactor"] == parallelization
    dead_letters = synth.queue("publisher-dlq")[0]
    assert props["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": [dead_letters, "Arn"]}}
    }
    # A shard serves two readers well: the projector and the publisher, and no third.
    mappings = synth.of_type("AWS::Lambda::EventSourceMapping").values()
    assert [m["Properties"]["EventSourceArn"] for m in mappings] == [props["EventSourceArn"]] * 2


def test_publisher_options_come_from_context(custom: Synth) -> None:
    props = custom.event_source_of(PUBLISHER)[1]["Properties"]
    assert props["BatchSize"] == 50
    assert props["MaximumBatchingWindowInSeconds"] == 2
    assert props["MaximumRetryAttempts"] == 3
    assert props["MaximumRecordAgeInSeconds"] == 7200
    assert props["ParallelizationFactor"] == 5


def test_outputs_name_the_bus_and_the_example_queue(dev: Synth) -> None:
    outputs = dev.data["Outputs"]
    assert outputs["EventBusName"]["Value"] == {"Ref": dev.one("AWS::Events::EventBus")[0]}
    assert outputs["IntegrationExampleQueueUrl"]["Value"] == {
        "Ref": dev.queue("integration-example")[0]
    }
    assert outputs["PublisherDeadLetterQueueUrl"]["Value"] == {"Ref": dev.queue("publisher-dlq")[0]}


def test_the_published_source_is_the_one_the_rules_match() -> None:
    assert DOMAINS.sources() == [ACCOUNTS_SOURCE, TRANSFERS_SOURCE] == LEDGER_EVENTS["source"]
    assert (ACCOUNTS_SOURCE, TRANSFERS_SOURCE) == ("ledger.accounts", "ledger.transfers")
