"""The integration feed: an EventBridge bus that other systems subscribe to, its archive, and one
example subscription.

The publisher (a stream consumer composed in the stack) puts every committed event on the bus as
one integration event, with its domain's source (`ledger.accounts`, ...; see
docs/integration-events.md). The archive keeps
them for `event_archive_retention_days`, so a new subscriber can be backfilled by replaying it.
The example subscription (a rule routing every ledger event to a queue) shows how to subscribe
and lets `esctl tail` watch the feed.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import access, checkov
from infra.config import StackConfig
from infra.resources import EVENT_BUS, EXAMPLE_SUBSCRIPTION
from infra.stream_consumer import SSE_SQS, StreamOptions

# A message the example subscriber failed to process this many times moves to its DLQ.
EXAMPLE_MAX_RECEIVE_COUNT = 5


def publisher_options(config: StackConfig) -> StreamOptions:
    """The publisher's event source: the same guarantees as the projector's, tuned on its own."""
    return StreamOptions(
        batch_size=config.publisher_batch_size,
        max_batching_window_seconds=config.publisher_max_batching_window_seconds,
        retry_attempts=config.publisher_retry_attempts,
        max_record_age_seconds=config.publisher_max_record_age_seconds,
        # The publisher keeps no state and subscribers order by version, so concurrent batches
        # of one shard are harmless.
        parallelization_factor=config.publisher_parallelization_factor,
        reserved_concurrency=config.publisher_reserved_concurrency,
    )


class IntegrationBus(Construct):
    """`sources`: the domains' integration sources, which the archive and the example rule
    match (and nothing else published on the bus)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: StackConfig, sources: list[str]
    ) -> None:
        super().__init__(scope, construct_id)
        if not sources:
            raise ValueError("no domain publishes integration events: the bus would stay empty")
        self.bus = events.EventBus(
            self,
            "Bus",
            event_bus_name=config.name(EVENT_BUS),
            description=f"Ledger integration events ({config.stage}): one per committed event",
        )
        ledger_events = events.EventPattern(source=list(sources))
        self.archive = events.Archive(
            self,
            "Archive",
            source_event_bus=self.bus,
            archive_name=config.name(f"{EVENT_BUS}-archive"),
            description="Every ledger integration event, for replay (backfilling subscribers)",
            event_pattern=ledger_events,
            retention=cdk.Duration.days(config.event_archive_retention_days),
        )
        # Without a key the L2 writes KmsKeyIdentifier: "", which is not a valid identifier and
        # fails some regions' deployments (aws/aws-cdk#37847); absent means an AWS owned key.
        archive_resource = self.archive.node.default_child
        assert isinstance(archive_resource, cdk.CfnResource)
        archive_resource.add_property_deletion_override("KmsKeyIdentifier")
        self._example_subscription(config, ledger_events)

    def _example_subscription(self, config: StackConfig, pattern: events.EventPattern) -> None:
        # One DLQ for both ways an event can fail this subscriber: EventBridge giving up on
        # delivering it (the target's dead-letter queue) and the consumer failing to process it
        # (the queue's redrive policy). Either way it waits there, with its envelope, 14 days.
        self.example_dead_letters = sqs.Queue(
            self,
            "ExampleDeadLetters",
            queue_name=config.name(f"{EXAMPLE_SUBSCRIPTION}-dlq"),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
            removal_policy=config.removal_policy,
        )
        # SSE-SQS rather than KMS: EventBridge can deliver to it without a key policy, and the
        # AWS managed aws/sqs key (whose policy cannot be changed) would refuse EventBridge.
        self.example_queue = sqs.Queue(
            self,
            "ExampleQueue",
            queue_name=config.name(EXAMPLE_SUBSCRIPTION),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.example_dead_letters, max_receive_count=EXAMPLE_MAX_RECEIVE_COUNT
            ),
            removal_policy=config.removal_policy,
        )
        for queue in (self.example_queue, self.example_dead_letters):
            checkov.skip(
                queue,
                "CKV_AWS_27",
                f"{SSE_SQS} And EventBridge cannot deliver to a queue under aws/sqs at all.",
            )
        # The target adds a queue policy letting EventBridge send only on behalf of this rule
        # (aws:SourceArn = the rule's ARN), to the queue and to its dead-letter queue.
        self.example_rule = events.Rule(
            self,
            "ExampleRule",
            event_bus=self.bus,
            rule_name=config.name(EXAMPLE_SUBSCRIPTION),
            description="Example subscription: every ledger integration event to a queue",
            event_pattern=pattern,
            targets=[
                targets.SqsQueue(
                    self.example_queue,
                    dead_letter_queue=self.example_dead_letters,
                    retry_attempts=185,
                    max_event_age=cdk.Duration.hours(24),
                )
            ],
        )

    def grant_put_events(self, grantee: iam.IGrantable) -> None:
        """PutEvents on this bus only."""
        access.allow(grantee, access.EVENTS_PUT, [self.bus.event_bus_arn])
