"""Alarms and a dashboard. Each `watch_*` call adds its alarms and a dashboard row, so a new
function or stream consumer is watched with one line."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.config import StackConfig
from infra.integration import IntegrationBus
from infra.resources import METRICS_NAMESPACE, SERVICE_NAME
from infra.stream_consumer import StreamConsumer

_ONE_MINUTE = cdk.Duration.minutes(1)
_FIVE_MINUTES = cdk.Duration.minutes(5)


class Monitoring(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StackConfig) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self.topic = self._alarm_topic()
        self._action = cw_actions.SnsAction(self.topic)
        self.dashboard = cw.Dashboard(self, "Dashboard", dashboard_name=f"Ledger-{config.stage}")

    def watch_function(self, function: lambda_.IFunction, label: str) -> None:
        self._row(
            self._alarm(
                f"{label}-errors",
                function.metric_errors(period=_FIVE_MINUTES, statistic="Sum"),
                threshold=0,
                description=f"The {label} function raised errors",
            ),
            self._alarm(
                f"{label}-throttles",
                function.metric_throttles(period=_FIVE_MINUTES, statistic="Sum"),
                threshold=0,
                description=f"The {label} function was throttled",
            ),
        )

    def watch_stream_consumer(self, consumer: StreamConsumer) -> None:
        self.watch_function(consumer.function, consumer.name)
        age_ms = self._config.iterator_age_alarm_seconds * 1000
        self._row(
            self._alarm(
                f"{consumer.name}-iterator-age",
                consumer.function.metric("IteratorAge", period=_ONE_MINUTE, statistic="Maximum"),
                threshold=age_ms,
                description=(
                    f"The {consumer.name} is more than"
                    f" {self._config.iterator_age_alarm_seconds} s behind the event stream"
                ),
            ),
            self._alarm(
                f"{consumer.name}-dead-letters",
                consumer.dead_letters.metric_approximate_number_of_messages_visible(
                    period=_ONE_MINUTE, statistic="Maximum"
                ),
                threshold=0,
                description=f"The {consumer.name} gave up on stream records (see its DLQ)",
            ),
        )

    def watch_parked_streams(self) -> None:
        """The projector parks a stream it cannot apply (e.g. a poison event) and counts it."""
        parked = _service_metric("StreamsParked")
        self._row(
            self._alarm(
                "streams-parked",
                parked,
                threshold=0,
                description="The projector parked a stream; its read model is frozen",
            )
        )

    def watch_snapshots(self) -> None:
        """A load ignores (and counts) a snapshot that is not on its stream's chain: a fault, or
        someone who can write the snapshot bucket trying to change a balance. The projector
        counts a snapshot it could not write (loads stay correct, and grow longer)."""
        self._row(
            self._alarm(
                "snapshot-rejected",
                _service_metric("SnapshotRejected"),
                threshold=0,
                description="A snapshot did not match its stream's commits and was ignored",
            ),
            self._alarm(
                "snapshot-write-failed",
                _service_metric("SnapshotWriteFailed"),
                threshold=0,
                description="The projector could not write or sign a snapshot",
            ),
        )

    def watch_tampering(self) -> None:
        """A commit was changed or removed in the table (the application only inserts): the
        projector counts each record and keeps its old image in the digest bucket."""
        self._row(
            self._alarm(
                "tamper-detected",
                _service_metric("TamperDetected"),
                threshold=0,
                description="A commit in the event table was changed or removed",
            )
        )

    def watch_unclaimed_records(self) -> None:
        """The projector and the publisher skip (and count) records of a stream category that
        no installed domain claims: events of a domain this deployment is missing."""
        self._row(
            self._alarm(
                "records-unclaimed",
                _service_metric("RecordsUnclaimed"),
                threshold=0,
                description="Events of a stream category no installed domain claims were skipped",
            )
        )

    def watch_integration_feed(self, integration: IntegrationBus) -> None:
        """Events the publisher could not put on the bus (each is redelivered, then dead-lettered
        with its stream records), and events the bus could not deliver to the example queue."""
        failed = _service_metric("IntegrationEventsFailed")
        self._row(
            self._alarm(
                "integration-events-failed",
                failed,
                threshold=0,
                description="The publisher could not put integration events on the bus",
            ),
            self._alarm(
                "integration-example-dead-letters",
                integration.example_dead_letters.metric_approximate_number_of_messages_visible(
                    period=_ONE_MINUTE, statistic="Maximum"
                ),
                threshold=0,
                description="Integration events the example subscription could not take",
            ),
        )

    def watch_http_api(self, stage: apigwv2.HttpStage) -> None:
        # The stage-level metric carries both ApiId and Stage dimensions.
        self._row(
            self._alarm(
                "api-5xx",
                stage.metric_server_error(period=_FIVE_MINUTES, statistic="Sum"),
                threshold=0,
                description="The HTTP API answered with 5xx",
            )
        )

    def _alarm(
        self, name: str, metric: cw.IMetric, *, threshold: float, description: str
    ) -> cw.Alarm:
        alarm = cw.Alarm(
            self,
            _construct_id(name),
            alarm_name=f"Ledger-{self._config.stage}-{name}",
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            # No data means nothing happened: no invocations, no records, nothing parked.
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        return alarm

    def _row(self, *alarms: cw.Alarm) -> None:
        width = 24 // len(alarms)
        self.dashboard.add_widgets(
            *(cw.AlarmWidget(alarm=alarm, title=alarm.alarm_name, width=width) for alarm in alarms)
        )

    def _alarm_topic(self) -> sns.Topic:
        # CloudWatch cannot publish to a topic encrypted with the AWS managed aws/sns key (its
        # key policy cannot be changed), so the topic gets its own key that CloudWatch may use.
        key = kms.Key(
            self,
            "AlarmTopicKey",
            description=f"Encrypts the ledger {self._config.stage} alarm topic",
            enable_key_rotation=True,
            removal_policy=self._config.removal_policy,
        )
        cloudwatch = iam.ServicePrincipal("cloudwatch.amazonaws.com")
        key.grant(cloudwatch, "kms:Decrypt", "kms:GenerateDataKey*")
        topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=self._config.name("alarms"),
            master_key=key,
            enforce_ssl=True,
        )
        # Attaching any topic policy (enforce_ssl does) replaces SNS's default one, so alarms
        # from this account are allowed back in explicitly.
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[cloudwatch],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": cdk.Aws.ACCOUNT_ID}},
            )
        )
        if self._config.alarm_email:
            topic.add_subscription(subscriptions.EmailSubscription(self._config.alarm_email))
        return topic


def _construct_id(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-")) + "Alarm"


def _service_metric(name: str) -> cw.Metric:
    """A count the Lambdas emit through Powertools (namespace Ledger, dimension service)."""
    return cw.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map={"service": SERVICE_NAME},
        statistic="Sum",
        period=_FIVE_MINUTES,
    )
