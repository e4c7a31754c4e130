"""LedgerStack: composes the constructs and states, in one place, who may touch what."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from infra import access, nag
from infra.api import LedgerApi
from infra.config import StackConfig
from infra.event_store import EventStore
from infra.integration import IntegrationBus, publisher_options
from infra.lambda_factory import FunctionFactory
from infra.monitoring import Monitoring
from infra.read_models import ReadModels
from infra.resources import (
    ACCOUNTS_BLUE,
    ACCOUNTS_GREEN,
    EVENT_BUS_ENV_VAR,
    EVENTS,
    IDEMPOTENCY,
    METRICS_NAMESPACE,
    PROJECTIONS,
    SERVICE_NAME,
    SNAPSHOT_BUCKET_ENV_VAR,
)
from infra.snapshots import SnapshotStore
from infra.stream_consumer import StreamConsumer, StreamOptions


class LedgerStack(cdk.Stack):
    def __init__(self, scope: Construct, *, config: StackConfig) -> None:
        name = f"Ledger-{config.stage}"
        super().__init__(
            scope,
            name,
            stack_name=name,
            description=f"Event-sourced account ledger ({config.stage})",
        )
        cdk.Tags.of(self).add("project", "ledger")
        cdk.Tags.of(self).add("stage", config.stage)

        event_store = EventStore(self, "EventStore", config=config)
        read_models = ReadModels(self, "ReadModels", config=config)
        snapshots = SnapshotStore(self, "Snapshots", config=config)

        functions = FunctionFactory(
            self,
            "Functions",
            config=config,
            environment={
                EVENTS.env_var: event_store.events.table_name,
                IDEMPOTENCY.env_var: event_store.idempotency.table_name,
                ACCOUNTS_BLUE.env_var: read_models.accounts_blue.table_name,
                ACCOUNTS_GREEN.env_var: read_models.accounts_green.table_name,
                PROJECTIONS.env_var: read_models.projections.table_name,
                SNAPSHOT_BUCKET_ENV_VAR: snapshots.bucket.bucket_name,
                "SNAPSHOT_EVERY": str(config.snapshot_every),
                "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "LOG_LEVEL": config.log_level,
                "STAGE": config.stage,
            },
        )
        api = LedgerApi(self, "Api", config=config, functions=functions)
        projector = StreamConsumer(
            self,
            "Projector",
            config=config,
            functions=functions,
            table=event_store.events,
            name="projector",
            handler="handlers.projector.handler",
            description="Applies new events to the read models and takes snapshots",
            options=StreamOptions.for_projector(config),
        )
        # The integration feed is a second, separate reader of the same stream, so a slow or
        # failing bus never delays the read models. A DynamoDB stream shard serves at most two
        # concurrent readers well (more are throttled): with the projector and the publisher
        # the stack now has exactly two. A further consumer subscribes to the bus instead.
        integration = IntegrationBus(self, "Integration", config=config)
        publisher = StreamConsumer(
            self,
            "Publisher",
            config=config,
            functions=functions,
            table=event_store.events,
            name="publisher",
            handler="handlers.publisher.handler",
            description="Publishes every committed event to the integration bus",
            options=publisher_options(config),
        )
        # Only the publisher is told where the bus is.
        publisher.function.add_environment(EVENT_BUS_ENV_VAR, integration.bus.event_bus_name)

        # Least privilege. Commands append events and never update or delete one.
        event_store.grant_append(api.command_function)
        snapshots.grant_read(api.command_function)
        # Queries only read.
        event_store.grant_read_events(api.query_function)
        snapshots.grant_read(api.query_function)
        read_models.grant_read(api.query_function)
        # The projector reads events (the stream grant comes with its event source), maintains
        # the read models and writes snapshots. Powertools emits its metrics as log lines (EMF),
        # which need no grant; PutMetricData is there for direct publishing, own namespace only.
        event_store.grant_read_events(projector.function)
        read_models.grant_read_write(projector.function)
        snapshots.grant_read_write(projector.function)
        access.allow_put_metric_data(projector.function, METRICS_NAMESPACE)
        # The publisher reads nothing but its stream records (the grant comes with its event
        # source) and puts events on the one bus; its metrics are EMF log lines.
        integration.grant_put_events(publisher.function)

        monitoring = Monitoring(self, "Monitoring", config=config)
        monitoring.watch_http_api(api.stage)
        monitoring.watch_function(api.command_function, "command")
        monitoring.watch_function(api.query_function, "query")
        monitoring.watch_stream_consumer(projector)
        monitoring.watch_parked_streams()
        monitoring.watch_stream_consumer(publisher)
        monitoring.watch_integration_feed(integration)

        outputs = {
            "ApiUrl": api.url,
            "EventsTableName": event_store.events.table_name,
            "IdempotencyTableName": event_store.idempotency.table_name,
            "AccountsBlueTableName": read_models.accounts_blue.table_name,
            "AccountsGreenTableName": read_models.accounts_green.table_name,
            "ProjectionsTableName": read_models.projections.table_name,
            "SnapshotBucketName": snapshots.bucket.bucket_name,
            "ProjectorDeadLetterQueueUrl": projector.dead_letters.queue_url,
            "EventBusName": integration.bus.event_bus_name,
            "EventArchiveName": integration.archive.archive_name,
            "IntegrationExampleQueueUrl": integration.example_queue.queue_url,
            "PublisherDeadLetterQueueUrl": publisher.dead_letters.queue_url,
            "AlarmTopicArn": monitoring.topic.topic_arn,
            "DashboardName": monitoring.dashboard.dashboard_name,
        }
        for output_id, value in outputs.items():
            cdk.CfnOutput(self, output_id, value=value)


def build(app: cdk.App) -> LedgerStack:
    """The whole app: one stack for the stage named in context, checked by cdk-nag at synth."""
    stack = LedgerStack(app, config=StackConfig.from_node(app.node))
    nag.add_checks(app)
    return stack
