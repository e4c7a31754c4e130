"""The event table (the source of truth) and the command idempotency table."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra import access
from infra.config import StackConfig
from infra.resources import EVENTS, IDEMPOTENCY
from infra.tables import table_from_spec


class EventStore(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StackConfig) -> None:
        super().__init__(scope, construct_id)
        self._events_name = EVENTS.physical_name(config.stage)
        # Retained and deletion-protected in every stage, whatever the stage's removal policy:
        # losing this table loses the ledger, and everything else can be rebuilt from it.
        self.events = table_from_spec(
            self,
            "Events",
            EVENTS,
            stage=config.stage,
            removal_policy=cdk.RemovalPolicy.RETAIN,
            deletion_protection=True,
        )
        self.idempotency = table_from_spec(
            self,
            "Idempotency",
            IDEMPOTENCY,
            stage=config.stage,
            removal_policy=config.removal_policy,
            deletion_protection=config.is_prod,
        )

    @property
    def tables(self) -> tuple[dynamodb.Table, ...]:
        return (self.events, self.idempotency)

    def grant_append(self, grantee: iam.IGrantable) -> None:
        """Read and conditionally append; never update or delete an event."""
        resources = [table.table_arn for table in self.tables]
        access.allow(grantee, access.TABLE_READ + access.TABLE_APPEND, resources)

    def append_only(self, writers: list[iam.IRole]) -> None:
        """The event table's resource policy: no principal (an administrator's `*` included)
        updates or deletes a commit, by any API (a time-to-live or dropping the table
        included), and none but `writers` puts one. The way round it, for a court order, is
        docs/deploy.md's break-glass procedure."""
        # The ARN from the table's fixed name: a Ref to the table from its own policy would be
        # a circular dependency.
        table = cdk.Stack.of(self).format_arn(
            service="dynamodb", resource="table", resource_name=self._events_name
        )
        self.events.add_to_resource_policy(
            access.deny_to_all("CommitsAreNeverChanged", access.TABLE_REWRITE, [table])
        )
        self.events.add_to_resource_policy(
            access.deny_to_all("CommitsAreNeverExpiredOrDropped", access.TABLE_DROP, [table])
        )
        self.events.add_to_resource_policy(
            access.deny_to_all("OnlyCommandsAppend", ["dynamodb:PutItem"], [table], unless=writers)
        )

    def grant_read_events(self, grantee: iam.IGrantable) -> None:
        access.allow(grantee, access.TABLE_READ, [self.events.table_arn])
