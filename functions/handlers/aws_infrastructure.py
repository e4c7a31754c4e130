"""The platform's storage on AWS: the event table, S3 snapshots, and each read model's blue/green
tables, named by the function's settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, TypeVar

from adapters.change_marks_dynamodb import DynamoDBChangeMarks
from adapters.digest_store_s3 import S3DigestStore
from adapters.event_store_dynamodb import DynamoDBEventStore
from adapters.evidence_store_s3 import S3Evidence
from adapters.projection_slots_dynamodb import ActiveSlots
from adapters.signatures_kms import KmsPublicKey, KmsSigner
from adapters.snapshot_store_s3 import S3SnapshotStore
from adapters.subject_keys_dynamodb_kms import DynamoDBKmsSubjectKeys
from adapters.views_dynamodb import DynamoDBViews
from eventcore.commits import format_time
from eventcore.read_models import ReadModel
from eventcore.signatures import RefuseAll, SigningKey
from handlers.settings import Settings
from hosting.names import read_model_env_var

if TYPE_CHECKING:
    from adapters.integration_bus_eventbridge import EventBridgePublisher
    from adapters.signature_ecdsa import EcdsaVerifier
    from adapters.view_store_dynamodb import DynamoDBViewStore

V = TypeVar("V")
Clients = Callable[[str], Any]


class MissingSetting(RuntimeError):
    """A setting this function needs is absent from its environment."""


class AwsInfrastructure:
    """`settings` is read when first needed (the HTTP routes are registered at import, before
    any setting is looked at)."""

    def __init__(self, settings: Callable[[], Settings], client: Clients) -> None:
        self._settings = settings
        self.client = client

    @property
    def settings(self) -> Settings:
        return self._settings()

    @property
    def state_cache_size(self) -> int:
        return self.settings.state_cache_size

    @property
    def receipt_ttl(self) -> timedelta:
        return timedelta(seconds=self.settings.idempotency_ttl_seconds)

    @property
    def snapshot_every(self) -> int | None:
        return self.settings.snapshot_every

    def event_store(self) -> DynamoDBEventStore:
        config = self.settings
        return DynamoDBEventStore(
            self.client("dynamodb"), config.events_table, config.idempotency_table
        )

    def snapshot_store(self) -> S3SnapshotStore:
        return S3SnapshotStore(self.client("s3"), self.settings.snapshot_bucket)

    def snapshot_keys(self) -> SigningKey:
        """Checked with the signing key's public half; a deployment that names no key trusts no
        snapshot (every load folds from the table, and each snapshot it meets is reported)."""
        key = self.settings.snapshot_signing_key
        if not key:
            return SigningKey(RefuseAll())
        kms = partial(self.client, "kms")  # built on first use: most loads never sign
        return SigningKey(KmsPublicKey(kms, key), KmsSigner(kms, key))

    def change_marks(self) -> DynamoDBChangeMarks:
        from hosting.host import utc_now

        return DynamoDBChangeMarks(
            self.client("dynamodb"),
            self.settings.projections_table,
            lambda: format_time(utc_now()),
        )

    def tamper_evidence(self) -> S3Evidence:
        """Kept beside the digests, in the object-locked bucket."""
        if not self.settings.digest_bucket:
            raise MissingSetting("DIGEST_BUCKET is not set: there is nowhere to keep evidence")
        return S3Evidence(self.client("s3"), self.settings.digest_bucket)

    def subject_keys(self) -> DynamoDBKmsSubjectKeys:
        settings = self.settings
        if not settings.subject_keys_table or not settings.personal_data_key:
            raise MissingSetting(
                "SUBJECT_KEYS_TABLE and PERSONAL_DATA_KEY must be set: personal data is never"
                " stored in plain text"
            )
        return DynamoDBKmsSubjectKeys(
            lambda: self.client("dynamodb"),
            lambda: self.client("kms"),
            settings.subject_keys_table,
            settings.personal_data_key,
        )

    def digest_store(self) -> S3DigestStore:
        if not self.settings.digest_bucket:
            raise MissingSetting("DIGEST_BUCKET is not set: there is nowhere to keep digests")
        return S3DigestStore(self.client("s3"), self.settings.digest_bucket)

    def digest_key(self) -> SigningKey:
        key = self._digest_key_id()
        kms = partial(self.client, "kms")
        return SigningKey(KmsPublicKey(kms, key), KmsSigner(kms, key))

    def digest_public_key(self) -> EcdsaVerifier | None:
        """The digest key's public half, or None when KMS cannot be reached."""
        return KmsPublicKey(partial(self.client, "kms"), self._digest_key_id()).verifier()

    def _digest_key_id(self) -> str:
        key = self.settings.digest_signing_key
        if not key:
            raise MissingSetting("DIGEST_SIGNING_KEY is not set: digests cannot be signed")
        return key

    @cached_property
    def slots(self) -> ActiveSlots:
        return ActiveSlots(self.client("dynamodb"), self.settings.projections_table)

    def tables(self, model: ReadModel[Any]) -> dict[str, str]:
        tables = self.settings.read_model_tables.get(model.name, {})
        for slot in ("blue", "green"):
            if slot not in tables:
                variable = read_model_env_var(model.name, slot)
                raise MissingSetting(
                    f"{variable} is not set: the {model.name} read model has no table"
                )
        return tables

    def views(self, model: ReadModel[V]) -> DynamoDBViews[V]:
        return DynamoDBViews(self.client("dynamodb"), model, self.tables(model), self.slots)

    def view_store(self, model: ReadModel[V], slot: str | None = None) -> DynamoDBViewStore[V]:
        """The read model's writer: on the live slot, or on `slot` (a rebuild)."""
        # The projector's modules are imported here, not at the top: the HTTP functions build
        # this infrastructure too, and never project.
        from adapters.parked_streams_dynamodb import ParkedStreams
        from adapters.view_store_dynamodb import DynamoDBViewStore
        from hosting.host import utc_now

        dynamodb = self.client("dynamodb")
        tables = self.tables(model)
        parked = ParkedStreams(
            dynamodb, self.settings.projections_table, model.name, lambda: format_time(utc_now())
        )
        table = tables[slot] if slot else (lambda: tables[self.slots.active(model.name)])
        return DynamoDBViewStore(dynamodb, model, table, parked)

    def publisher(self) -> EventBridgePublisher:
        from adapters.integration_bus_eventbridge import EventBridgePublisher

        if not self.settings.event_bus_name:
            raise MissingSetting(
                "EVENT_BUS_NAME is not set: the publisher has no bus to publish to"
            )
        return EventBridgePublisher(self.client("events"), self.settings.event_bus_name)
