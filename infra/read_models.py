"""Read-model tables: each domain read model's views in two blue/green slots, and the
projector's control table (slot pointers, the parked-stream register).

An operator rebuild replays the events into the inactive slot and then flips the slot pointer
kept in the projections table, so readers never see a half-built view.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra import access
from infra.config import StackConfig
from infra.resources import PROJECTIONS, TableSpec, construct_name
from infra.tables import table_from_spec


class ReadModels(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StackConfig,
        specs: Sequence[TableSpec],
    ) -> None:
        super().__init__(scope, construct_id)

        # Derived data: dev may drop it (it is rebuilt from events); prod keeps it because a
        # rebuild of a large ledger takes time the API would spend serving stale reads.
        def table(spec: TableSpec) -> dynamodb.Table:
            return table_from_spec(
                self,
                construct_name(spec),
                spec,
                stage=config.stage,
                removal_policy=config.removal_policy,
                deletion_protection=config.is_prod,
            )

        # Logical ids follow the table names (AccountsBlue, ...), so they stay put as domains
        # are added.
        self.views = {spec: table(spec) for spec in specs}
        self.projections = table(PROJECTIONS)

    @property
    def tables(self) -> tuple[dynamodb.Table, ...]:
        return (*self.views.values(), self.projections)

    def _readable(self, models: Sequence[str] | None = None) -> list[str]:
        """Every table (of `models`, and the projections table with the slot pointers), and
        every index by name (no wildcard)."""
        views = {
            spec: table
            for spec, table in self.views.items()
            if models is None or any(spec.logical_name.startswith(f"{m}_") for m in models)
        }
        indexes = [
            f"{table.table_arn}/index/{index.name}"
            for spec, table in views.items()
            for index in spec.indexes
        ]
        return [t.table_arn for t in (*views.values(), self.projections)] + indexes

    def grant_read(self, grantee: iam.IGrantable, models: Sequence[str] | None = None) -> None:
        """Reading every read model, or only those named."""
        access.allow(grantee, access.READ_MODEL_READ, self._readable(models))

    def grant_change_marks(self, grantee: iam.IGrantable) -> None:
        """Reading and clearing the streams the projector marked for the next digest."""
        actions = ("dynamodb:Query", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem")
        access.allow(grantee, actions, [self.projections.table_arn])

    def grant_read_write(self, grantee: iam.IGrantable) -> None:
        access.allow(grantee, access.READ_MODEL_READ, self._readable())
        access.allow(grantee, access.READ_MODEL_WRITE, [t.table_arn for t in self.tables])
