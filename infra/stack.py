"""LedgerStack: composes the constructs and states, in one place, who may touch what."""

from __future__ import annotations

import json

import aws_cdk as cdk
from constructs import Construct

from hosting.catalogue import Catalogue
from infra import access, nag
from infra.api import LedgerApi
from infra.config import StackConfig
from infra.digests import DigestLedger
from infra.event_store import EventStore
from infra.integration import IntegrationBus, publisher_options
from infra.jobs import add_jobs
from infra.lambda_factory import FunctionFactory
from infra.monitoring import Monitoring
from infra.personal_data import PersonalDataKeys
from infra.read_models import ReadModels
from infra.resources import (
    DIGEST_BUCKET_ENV_VAR,
    DIGEST_KEY_ENV_VAR,
    EVENT_BUS_ENV_VAR,
    EVENTS,
    IDEMPOTENCY,
    METRICS_NAMESPACE,
    PERSONAL_DATA_KEY_ENV_VAR,
    PROJECTIONS,
    SERVICE_NAME,
    SNAPSHOT_BUCKET_ENV_VAR,
    SNAPSHOT_KEY_ENV_VAR,
    SUBJECT_KEYS,
    construct_name,
    read_model_tables,
    snapshot_key_alias,
)
from infra.signing_keys import SigningKey
from infra.snapshots import SnapshotStore
from infra.stream_consumer import StreamConsumer, StreamOptions


class LedgerStack(cdk.Stack):
    """The platform for the catalogue's domains: their read-model tables, routes and feeds
    come from their descriptors."""

    def __init__(self, scope: Construct, *, config: StackConfig, catalogue: Catalogue) -> None:
        name = f"Ledger-{config.stage}"
        super().__init__(
            scope,
            name,
            stack_name=name,
            description=f"Event-sourced account ledger ({config.stage})",
        )
        cdk.Tags.of(self).add("project", "ledger")
        cdk.Tags.of(self).add("stage", config.stage)

        self.event_store = EventStore(self, "EventStore", config=config)
        view_tables = [
            spec
            for _, model in catalogue.read_models()
            for spec in read_model_tables(model.name, model.key, model.index_specs)
        ]
        self.read_models = ReadModels(self, "ReadModels", config=config, specs=view_tables)
        self.snapshots = SnapshotStore(self, "Snapshots", config=config)
        self.snapshot_key = SigningKey(
            self,
            "SnapshotKey",
            config=config,
            purpose="snapshots",
            alias=snapshot_key_alias(config.stage),
        )
        self.digests = DigestLedger(self, "Digests", config=config)
        self.personal_data = PersonalDataKeys(self, "PersonalData", config=config)
        functions = FunctionFactory(
            self, "Functions", config=config, environment=self._environment(config)
        )
        self.api = LedgerApi(self, "Api", config=config, functions=functions, catalogue=catalogue)
        self.projector = StreamConsumer(
            self,
            "Projector",
            config=config,
            functions=functions,
            table=self.event_store.events,
            name="projector",
            handler="handlers.projector.handler",
            description="Applies new events to the read models and takes snapshots",
            options=StreamOptions.for_projector(config),
        )
        # The integration feed is a second, separate reader of the same stream, so a slow or
        # failing bus never delays the read models. A DynamoDB stream shard serves at most two
        # concurrent readers well (more are throttled): with the projector and the publisher
        # the stack now has exactly two. A further consumer subscribes to the bus instead.
        self.integration = IntegrationBus(
            self, "Integration", config=config, sources=catalogue.sources()
        )
        self.publisher = StreamConsumer(
            self,
            "Publisher",
            config=config,
            functions=functions,
            table=self.event_store.events,
            name="publisher",
            handler="handlers.publisher.handler",
            description="Publishes every committed event to the integration bus",
            options=publisher_options(config),
        )
        # Only the publisher is told where the bus is.
        self.publisher.function.add_environment(
            EVENT_BUS_ENV_VAR, self.integration.bus.event_bus_name
        )
        self.digester = self.digests.add_digester(functions)
        self.jobs = add_jobs(self, functions) if catalogue.jobs() else None
        # A domain's jobs find their work in that domain's read models, and read no others.
        self._job_models = sorted(
            {m.name for domain, _ in catalogue.jobs() for m in domain.read_models}
        )
        self._grant()
        self.monitoring = self._monitor(config)
        for output_id, value in self._outputs().items():
            cdk.CfnOutput(self, output_id, value=value)

    def _environment(self, config: StackConfig) -> dict[str, str]:
        """What every function is told: where everything is, and how it is configured."""
        environment = {
            EVENTS.env_var: self.event_store.events.table_name,
            IDEMPOTENCY.env_var: self.event_store.idempotency.table_name,
            PROJECTIONS.env_var: self.read_models.projections.table_name,
            **{spec.env_var: table.table_name for spec, table in self.read_models.views.items()},
            SNAPSHOT_BUCKET_ENV_VAR: self.snapshots.bucket.bucket_name,
            SNAPSHOT_KEY_ENV_VAR: self.snapshot_key.key.key_arn,
            DIGEST_BUCKET_ENV_VAR: self.digests.bucket.bucket_name,
            DIGEST_KEY_ENV_VAR: self.digests.key.key.key_arn,
            SUBJECT_KEYS.env_var: self.personal_data.table.table_name,
            PERSONAL_DATA_KEY_ENV_VAR: self.personal_data.key.key_arn,
            "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
            "LOG_LEVEL": config.log_level,
            "STAGE": config.stage,
            # What the API's gateway checks, for the OpenAPI document to declare.
            "API_AUTHORIZATION": "jwt" if config.jwt_issuer else "iam",
            # Which IAM principals have which roles (SigV4 callers; JWTs carry their scopes).
            "IAM_PRINCIPAL_ROLES": json.dumps(
                {p: list(roles) for p, roles in config.iam_principal_roles.items()},
                separators=(",", ":"),
            ),
        }
        if config.snapshot_every is not None:
            environment["SNAPSHOT_EVERY"] = str(config.snapshot_every)
        return environment

    def _grant(self) -> None:
        """Least privilege, stated in one place."""
        api, projector, publisher = self.api, self.projector, self.publisher
        event_store, read_models, snapshots = self.event_store, self.read_models, self.snapshots
        # Commands append events and never update or delete one; the table's own policy makes
        # that AWS's rule, for every principal, not only this stack's grants.
        event_store.grant_append(api.command_function)
        # So do the domains' jobs (an expiry is a command the system sends), which find their
        # work in the read models.
        writers = [api.command_function, *([self.jobs] if self.jobs else [])]
        for writer in writers[1:]:
            event_store.grant_append(writer)
            read_models.grant_read(writer, self._job_models)
        roles = [w.role for w in writers]
        if None in roles:  # the function factory gives every function a role of its own
            raise ValueError("a function that appends has no role")
        event_store.append_only([r for r in roles if r is not None])
        for writer in writers:
            snapshots.grant_read(writer)
        # Personal data: commands seal names (making a subject's key) and erase them; queries
        # reveal them to whoever may see them; nothing else reads a name.
        sealer, revealer = api.command_function.role, api.query_function.role
        if sealer is None or revealer is None:
            raise ValueError("the HTTP functions have no roles")
        self.personal_data.allow_sealing_by(sealer)
        self.personal_data.allow_revealing_by(revealer)
        self.personal_data.only_these_use_the_key()
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
        # Only the projector signs snapshots; every loader checks them.
        signer = projector.function.role
        if signer is None:  # the function factory gives every function a role of its own
            raise ValueError("the projector has no role to sign snapshots with")
        self.snapshot_key.allow_signing_by(signer)
        # It also keeps the old image of any commit changed or removed, where nobody can edit it.
        self.digests.keep_evidence_by(signer)
        for loader in (*writers, api.query_function, projector.function):
            self.snapshot_key.allow_checking_by(loader)
        access.allow_put_metric_data(projector.function, METRICS_NAMESPACE)
        # The digester reads each marked stream's newest commit, clears the marks it signed and
        # (in DigestLedger) alone signs and writes digests.
        event_store.grant_read_events(self.digester)
        read_models.grant_change_marks(self.digester)
        # The publisher reads nothing but its stream records (the grant comes with its event
        # source) and puts events on the one bus; its metrics are EMF log lines.
        self.integration.grant_put_events(publisher.function)

    def _monitor(self, config: StackConfig) -> Monitoring:
        monitoring = Monitoring(self, "Monitoring", config=config)
        monitoring.watch_http_api(self.api.stage)
        monitoring.watch_function(self.api.command_function, "command")
        monitoring.watch_function(self.api.query_function, "query")
        monitoring.watch_function(self.digester, "digester")
        if self.jobs is not None:
            monitoring.watch_function(self.jobs, "jobs")
        monitoring.watch_stream_consumer(self.projector)
        monitoring.watch_parked_streams()
        monitoring.watch_unclaimed_records()
        monitoring.watch_snapshots()
        monitoring.watch_tampering()
        monitoring.watch_stream_consumer(self.publisher)
        monitoring.watch_integration_feed(self.integration)
        return monitoring

    def _outputs(self) -> dict[str, str]:
        views = self.read_models.views
        return {
            "ApiUrl": self.api.url,
            "EventsTableName": self.event_store.events.table_name,
            "IdempotencyTableName": self.event_store.idempotency.table_name,
            **{f"{construct_name(spec)}TableName": t.table_name for spec, t in views.items()},
            "ProjectionsTableName": self.read_models.projections.table_name,
            "SnapshotBucketName": self.snapshots.bucket.bucket_name,
            "SnapshotSigningKeyArn": self.snapshot_key.key.key_arn,
            "DigestBucketName": self.digests.bucket.bucket_name,
            "DigestSigningKeyArn": self.digests.key.key.key_arn,
            "SubjectKeysTableName": self.personal_data.table.table_name,
            "PersonalDataKeyArn": self.personal_data.key.key_arn,
            "ProjectorDeadLetterQueueUrl": self.projector.dead_letters.queue_url,
            "EventBusName": self.integration.bus.event_bus_name,
            "EventArchiveName": self.integration.archive.archive_name,
            "IntegrationExampleQueueUrl": self.integration.example_queue.queue_url,
            "PublisherDeadLetterQueueUrl": self.publisher.dead_letters.queue_url,
            **{
                f"{role.value.capitalize()}InvokePolicyArn": policy.managed_policy_arn
                for role, policy in self.api.invoke_policies.items()
            },
            "AlarmTopicArn": self.monitoring.topic.topic_arn,
            "DashboardName": self.monitoring.dashboard.dashboard_name,
        }


def build(app: cdk.App, catalogue: Catalogue) -> LedgerStack:
    """The whole app: one stack for the stage named in context and the catalogue's domains,
    checked by cdk-nag at synth."""
    stack = LedgerStack(app, config=StackConfig.from_node(app.node), catalogue=catalogue)
    nag.add_checks(app)
    return stack
