"""A Lambda function fed by the event table's stream: the projector today, a publisher later.

A stream record is a notification, not the data of record: a consumer reads the event table to
fill gaps, so it must be safe to see records late, twice or out of order. Retries are finite and
records that still fail land, as batch metadata, in an encrypted dead-letter queue.

DynamoDB Streams serves at most two concurrent readers per shard: the projector and the future
publisher use both, so a third consumer should subscribe to the publisher's EventBridge bus.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import checkov, nag
from infra.config import StackConfig
from infra.lambda_factory import FunctionFactory

# Why every queue of the stack skips checkov's CKV_AWS_27 (the integration queues say more).
SSE_SQS = (
    "Encrypted at rest with SSE-SQS (SqsManagedSseEnabled); CKV_AWS_27 only recognises SSE-KMS."
    " SSE-KMS under the AWS managed aws/sqs key would add KMS calls and grants but no access"
    " control: that key's policy admits every principal SQS admits."
)


@dataclass(frozen=True)
class StreamOptions:
    batch_size: int
    max_batching_window_seconds: int
    retry_attempts: int
    max_record_age_seconds: int
    # More than 1 lets Lambda process a shard's records with that many concurrent batches.
    # Lambda still keeps each partition key (stream id) in order, and the projector does not
    # depend on order anyway (high-water mark per stream, gaps filled from the event table).
    parallelization_factor: int
    # The most invocations at once: enough for every shard's concurrent batches.
    reserved_concurrency: int

    @classmethod
    def for_projector(cls, config: StackConfig) -> StreamOptions:
        return cls(
            batch_size=config.projector_batch_size,
            max_batching_window_seconds=config.projector_max_batching_window_seconds,
            retry_attempts=config.projector_retry_attempts,
            max_record_age_seconds=config.projector_max_record_age_seconds,
            parallelization_factor=config.projector_parallelization_factor,
            reserved_concurrency=config.projector_reserved_concurrency,
        )


class StreamConsumer(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StackConfig,
        functions: FunctionFactory,
        table: dynamodb.ITable,
        name: str,
        handler: str,
        description: str,
        options: StreamOptions,
    ) -> None:
        super().__init__(scope, construct_id)
        self.name = name
        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            queue_name=config.name(f"{name}-dlq"),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            # The longest SQS allows: an operator needs time to find and replay a failed batch.
            retention_period=cdk.Duration.days(14),
            removal_policy=config.removal_policy,
        )
        nag.acknowledge(
            self.dead_letters,
            "AwsSolutions-SQS3",
            "This queue is itself a dead-letter queue: the on-failure destination of the stream"
            " event source mapping, a link cdk-nag does not recognise (it only looks for SQS"
            " redrive policies and Lambda DeadLetterConfig).",
        )
        checkov.skip(self.dead_letters, "CKV_AWS_27", SSE_SQS)
        self.function = functions.create(
            self,
            "Function",
            name=name,
            handler=handler,
            description=description,
            timeout=cdk.Duration.seconds(60),
            reserved_concurrency=options.reserved_concurrency,
        )
        self.function.add_event_source(
            sources.DynamoEventSource(
                table,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=options.batch_size,
                max_batching_window=cdk.Duration.seconds(options.max_batching_window_seconds),
                bisect_batch_on_error=True,
                report_batch_item_failures=True,
                retry_attempts=options.retry_attempts,
                max_record_age=cdk.Duration.seconds(options.max_record_age_seconds),
                on_failure=sources.SqsDlq(self.dead_letters),
                parallelization_factor=options.parallelization_factor,
            )
        )
        checkov.skip(
            self.function,
            "CKV_AWS_116",
            "Invoked by its DynamoDB stream event source mapping, never asynchronously: records"
            " that still fail after the mapping's retries go, as batch metadata, to the mapping's"
            f" on-failure queue ({config.name(f'{name}-dlq')}). Lambda's DeadLetterConfig only"
            " applies to asynchronous invocations.",
        )
        nag.acknowledge_star_resource(
            self.function,
            "The stream grant that comes with the event source includes dynamodb:ListStreams,"
            ' which has no resource-level permissions (AWS only accepts Resource "*"); reading'
            " records is limited to this table's stream ARN.",
        )
