"""The objects a warm Lambda container keeps between invocations, built on first use.

Nothing here runs at import time, so tests import the handlers without any environment and
install their own ledger with `use_ledger`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from accounts.events import registry
from accounts.ledger import Ledger
from accounts.repository import account_repository
from accounts.views import AccountView, project_stream
from adapters.account_views_dynamodb import MODEL, DynamoDBAccountViews
from adapters.event_store_dynamodb import DynamoDBEventStore
from adapters.projection_slots_dynamodb import ActiveSlots
from adapters.snapshot_store_s3 import S3SnapshotStore
from eventcore.cache import StateCache
from eventcore.commits import format_time
from handlers.settings import Settings

if TYPE_CHECKING:
    from adapters.account_view_store_dynamodb import DynamoDBAccountViewStore
    from adapters.integration_bus_eventbridge import EventBridgePublisher
    from eventcore.projector import StreamProjector


class _Container:
    ledger: Ledger | None = None
    projector: StreamProjector[AccountView] | None = None
    publisher: EventBridgePublisher | None = None


class MissingSetting(RuntimeError):
    """A setting this function needs is absent from its environment."""


@cache
def settings() -> Settings:
    return Settings.from_env()


@cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    # Standard retry mode backs off on throttling; what still fails becomes a 503 for the client.
    config = Config(
        retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5
    )
    return boto3.client(service, config=config)


def utc_now() -> datetime:
    return datetime.now(UTC)


def ledger() -> Ledger:
    if _Container.ledger is None:
        _Container.ledger = _build(settings())
    return _Container.ledger


def use_ledger(replacement: Ledger | None) -> None:
    """Install a ledger (tests, the local stack), or None to build from settings again."""
    _Container.ledger = replacement


def projector() -> StreamProjector[AccountView]:
    if _Container.projector is None:
        _Container.projector = _build_projector(settings())
    return _Container.projector


def use_projector(replacement: StreamProjector[AccountView] | None) -> None:
    _Container.projector = replacement


def publisher() -> EventBridgePublisher:
    if _Container.publisher is None:
        _Container.publisher = _build_publisher(settings())
    return _Container.publisher


def use_publisher(replacement: EventBridgePublisher | None) -> None:
    _Container.publisher = replacement


def account_view_store(
    config: Settings, slot: str | None = None, dynamodb: Any = None
) -> DynamoDBAccountViewStore:
    """The accounts read model's writer: on the live slot, or on `slot` (a rebuild)."""
    # The projector's modules are imported here, not at the top: the HTTP functions import this
    # module too, and never project.
    from adapters.account_view_store_dynamodb import DynamoDBAccountViewStore
    from adapters.parked_streams_dynamodb import ParkedStreams

    dynamodb = dynamodb or client("dynamodb")
    tables = {"blue": config.accounts_table_blue, "green": config.accounts_table_green}
    slots = ActiveSlots(dynamodb, config.projections_table)
    parked = ParkedStreams(
        dynamodb, config.projections_table, MODEL, lambda: format_time(utc_now())
    )
    table = tables[slot] if slot else (lambda: tables[slots.active(MODEL)])
    return DynamoDBAccountViewStore(dynamodb, table, parked)


def _build_projector(config: Settings) -> StreamProjector[AccountView]:
    from eventcore.projector import StreamProjector
    from eventcore.snapshotting import SnapshotWriter

    store = DynamoDBEventStore(client("dynamodb"), config.events_table)
    snapshots = S3SnapshotStore(client("s3"), config.snapshot_bucket)
    repository = account_repository(store, snapshots)
    return StreamProjector(
        views=account_view_store(config),
        projection=project_stream,
        store=store,
        registry=registry,
        after_apply=SnapshotWriter(repository, snapshots, config.snapshot_every),
    )


def _build_publisher(config: Settings) -> EventBridgePublisher:
    from adapters.integration_bus_eventbridge import EventBridgePublisher

    if not config.event_bus_name:
        raise MissingSetting("EVENT_BUS_NAME is not set: the publisher has no bus to publish to")
    return EventBridgePublisher(client("events"), config.event_bus_name)


def _build(config: Settings) -> Ledger:
    dynamodb = client("dynamodb")
    store = DynamoDBEventStore(dynamodb, config.events_table, config.idempotency_table)
    snapshots = S3SnapshotStore(client("s3"), config.snapshot_bucket)
    repository = account_repository(store, snapshots, StateCache(config.state_cache_size))
    tables = {"blue": config.accounts_table_blue, "green": config.accounts_table_green}
    views = DynamoDBAccountViews(dynamodb, tables, ActiveSlots(dynamodb, config.projections_table))
    return Ledger(repository, views, utc_now, timedelta(seconds=config.idempotency_ttl_seconds))
