"""Alarms on what can silently go wrong, a dashboard showing them, an encrypted TLS-only topic."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.synth import Resource, Synth, flatten

HANDLERS = {
    "command": "handlers.commands.handler",
    "query": "handlers.queries.handler",
    "projector": "handlers.projector.handler",
    "publisher": "handlers.publisher.handler",
    "digester": "handlers.digester.handler",
    "jobs": "handlers.jobs.handler",
}
STREAM_CONSUMERS = ("projector", "publisher")


def alarm(synth: Synth, metric_name: str, **dimensions: Any) -> Resource:
    """The one alarm on `metric_name` whose dimensions include `dimensions`."""
    found = [
        resource["Properties"]
        for resource in synth.of_type("AWS::CloudWatch::Alarm").values()
        if resource["Properties"].get("MetricName") == metric_name
        and all(
            {"Name": name, "Value": value} in resource["Properties"].get("Dimensions", [])
            for name, value in dimensions.items()
        )
    ]
    assert len(found) == 1, f"{metric_name} {dimensions}: {len(found)} alarms"
    return found[0]


@pytest.mark.parametrize("consumer", STREAM_CONSUMERS)
def test_stream_consumer_iterator_age(dev: Synth, consumer: str) -> None:
    function = dev.function(HANDLERS[consumer])[0]
    props = alarm(dev, "IteratorAge", FunctionName={"Ref": function})
    assert (props["Namespace"], props["Statistic"]) == ("AWS/Lambda", "Maximum")
    assert props["Threshold"] == 60_000
    assert props["ComparisonOperator"] == "GreaterThanThreshold"


@pytest.mark.parametrize(
    "queue_name", ["projector-dlq", "publisher-dlq", "integration-example-dlq"]
)
def test_dead_letter_queue_depth(dev: Synth, queue_name: str) -> None:
    queue = dev.queue(queue_name)[0]
    props = alarm(
        dev, "ApproximateNumberOfMessagesVisible", QueueName={"Fn::GetAtt": [queue, "QueueName"]}
    )
    assert props["Namespace"] == "AWS/SQS"
    assert (props["Threshold"], props["ComparisonOperator"]) == (0, "GreaterThanThreshold")


def test_failed_integration_events(dev: Synth) -> None:
    props = alarm(dev, "IntegrationEventsFailed", service="ledger")
    assert (props["Namespace"], props["Statistic"]) == ("Ledger", "Sum")
    assert (props["Threshold"], props["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert props["TreatMissingData"] == "notBreaching"


def test_records_no_domain_claims(dev: Synth) -> None:
    # Both stream consumers count them under one name: events of a category this deployment
    # hosts no domain for.
    props = alarm(dev, "RecordsUnclaimed", service="ledger")
    assert (props["Namespace"], props["Statistic"], props["Threshold"]) == ("Ledger", "Sum", 0)


def test_rejected_snapshots(dev: Synth) -> None:
    # A snapshot a load ignored: a fault, or a forgery in the snapshot bucket.
    props = alarm(dev, "SnapshotRejected", service="ledger")
    assert (props["Namespace"], props["Statistic"]) == ("Ledger", "Sum")
    assert (props["Threshold"], props["ComparisonOperator"]) == (0, "GreaterThanThreshold")


def test_snapshots_not_written(dev: Synth) -> None:
    # The projector goes on without the snapshot (the bucket or signing key out of reach).
    props = alarm(dev, "SnapshotWriteFailed", service="ledger")
    assert (props["Namespace"], props["Statistic"]) == ("Ledger", "Sum")
    assert (props["Threshold"], props["ComparisonOperator"]) == (0, "GreaterThanThreshold")


def test_parked_streams(dev: Synth) -> None:
    props = alarm(dev, "StreamsParked", service="ledger")
    assert (props["Namespace"], props["Statistic"]) == ("Ledger", "Sum")
    assert (props["Threshold"], props["ComparisonOperator"]) == (0, "GreaterThanThreshold")


@pytest.mark.parametrize("handler", HANDLERS.values())
@pytest.mark.parametrize("metric_name", ["Errors", "Throttles"])
def test_function_errors_and_throttles(dev: Synth, handler: str, metric_name: str) -> None:
    props = alarm(dev, metric_name, FunctionName={"Ref": dev.function(handler)[0]})
    assert (props["Namespace"], props["Statistic"]) == ("AWS/Lambda", "Sum")
    assert props["TreatMissingData"] == "notBreaching"


@pytest.mark.parametrize(("label", "handler"), HANDLERS.items())
def test_every_function_is_watched_under_its_name(dev: Synth, label: str, handler: str) -> None:
    function = {"Ref": dev.function(handler)[0]}
    for metric_name, suffix in (("Errors", "errors"), ("Throttles", "throttles")):
        props = alarm(dev, metric_name, FunctionName=function)
        assert props["AlarmName"] == f"Ledger-dev-{label}-{suffix}"
        assert (props["Threshold"], props["ComparisonOperator"]) == (0, "GreaterThanThreshold")


def test_api_5xx(dev: Synth) -> None:
    api = dev.one("AWS::ApiGatewayV2::Api")[0]
    stage_name = dev.one("AWS::ApiGatewayV2::Stage")[1]["Properties"]["StageName"]
    props = alarm(dev, "5xx", ApiId={"Ref": api}, Stage=stage_name)
    assert (props["Namespace"], props["Statistic"]) == ("AWS/ApiGateway", "Sum")


def test_every_alarm_notifies_the_topic_and_is_on_the_dashboard(stage_synth: Synth) -> None:
    topic = stage_synth.one("AWS::SNS::Topic")[0]
    alarms = stage_synth.of_type("AWS::CloudWatch::Alarm")
    # Errors and throttles of 6 functions, iterator age and dead letters of 2 stream consumers,
    # parked streams, unclaimed records, rejected snapshots, snapshots not written, changed or
    # removed commits, API 5xx, failed integration events, the example subscription's DLQ.
    assert len(alarms) == 6 * 2 + 2 * 2 + 8
    assert len(HANDLERS) == 6
    _, dashboard = stage_synth.one("AWS::CloudWatch::Dashboard")
    assert dashboard["Properties"]["DashboardName"] == f"Ledger-{stage_synth.stage}"
    body = flatten(dashboard["Properties"]["DashboardBody"])
    for alarm_id, resource in alarms.items():
        assert resource["Properties"]["AlarmActions"] == [{"Ref": topic}]
        assert f"<{alarm_id}.Arn>" in body


def test_topic_is_encrypted_and_tls_only(stage_synth: Synth) -> None:
    topic_id, topic = stage_synth.one("AWS::SNS::Topic")
    key_id = topic["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
    key = stage_synth.resources[key_id]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    _, policy = stage_synth.one("AWS::SNS::TopicPolicy")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert {
        "Action": "sns:Publish",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        "Effect": "Deny",
        "Principal": "*",
        "Resource": {"Ref": topic_id},
        "Sid": "AllowPublishThroughSSLOnly",
    } in statements


def test_alarm_email_is_optional(dev: Synth, custom: Synth) -> None:
    assert dev.of_type("AWS::SNS::Subscription") == {}
    _, subscription = custom.one("AWS::SNS::Subscription")
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == "oncall@example.com"
