"""What the operator commands do, apart from printing: history, verify, rebuild, parked."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from accounts.decider import stream_id
from accounts.events import registry
from accounts.views import AccountView, project_stream
from adapters.account_views_dynamodb import MODEL
from adapters.projection_slots_dynamodb import SLOTS, SWITCH_TTL_SECONDS, ActiveSlots
from eventcore.hashchain import ChainReport, verify
from eventcore.projector import StreamProjector
from eventcore.store import EventStore
from handlers import dependencies

Progress = Callable[[int], None]


def verify_streams(store: EventStore, streams: list[str] | None = None) -> Iterator[ChainReport]:
    for stream in streams if streams is not None else sorted(store.stream_ids()):
        yield verify(stream, store.read(stream))


def count_commits(dynamodb: Any, table: str) -> int:
    total, request = 0, {"TableName": table, "Select": "COUNT"}
    while True:
        page = dynamodb.scan(**request)
        total += int(page["Count"])
        if "LastEvaluatedKey" not in page:
            return total
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@dataclass(frozen=True)
class RebuildReport:
    model: str
    previous_slot: str
    new_slot: str
    streams: int
    events: int
    caught_up_after_switch: int
    parked: int


def rebuild_accounts(
    *,
    progress: Progress,
    settle_seconds: float = SWITCH_TTL_SECONDS,
    on_total: Callable[[int], None] = lambda _: None,
) -> RebuildReport:
    """Blue/green rebuild of the accounts read model from the event table.

    The live slot keeps serving while the other is emptied and refilled; readers switch only
    when it is complete. After the switch, a second pass (once every cached pointer has expired)
    applies whatever the live projector wrote to the old slot meanwhile.
    """
    config = dependencies.settings()
    dynamodb = dependencies.client("dynamodb")
    slots = ActiveSlots(dynamodb, config.projections_table)
    live = slots.active(MODEL)
    target = next(s for s in SLOTS if s != live)
    tables = {"blue": config.accounts_table_blue, "green": config.accounts_table_green}
    _empty(dynamodb, tables[target])
    views = dependencies.account_view_store(config, slot=target)
    store = dependencies.ledger().repository.store
    projector: StreamProjector[AccountView] = StreamProjector(
        views=views, projection=project_stream, store=store, registry=registry
    )
    on_total(count_commits(dynamodb, config.events_table))
    streams = sorted(store.stream_ids())
    events = parked = 0
    for stream in streams:
        result = projector.replay(stream)
        events += result.applied
        parked += result.parked_at is not None
        progress(result.applied)
    slots.switch(MODEL, target)
    time.sleep(settle_seconds)
    late = sum(projector.replay(stream).applied for stream in streams)
    still_parked = {p.stream_id for p in views.parked}
    for stream in still_parked:
        if views.load(stream).parked is None:
            views.parked.remove(stream)
    return RebuildReport(MODEL, live, target, len(streams), events, late, parked)


def _empty(dynamodb: Any, table: str) -> None:
    request: dict[str, Any] = {"TableName": table, "ProjectionExpression": "account_id"}
    while True:
        page = dynamodb.scan(**request)
        keys = [{"DeleteRequest": {"Key": item}} for item in page.get("Items", [])]
        for start in range(0, len(keys), 25):
            pending: dict[str, Any] = {table: keys[start : start + 25]}
            while pending:
                pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems")
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def replay_parked() -> list[tuple[str, int | None]]:
    """Unpark every parked stream and catch it up; returns (stream, parked again at)."""
    projector = dependencies.projector()
    views = dependencies.account_view_store(dependencies.settings())
    outcome = []
    for parked in list(views.parked):
        views.unpark(parked.stream_id)
        projector.cache.discard(parked.stream_id)
        result = projector.replay(parked.stream_id)
        outcome.append((parked.stream_id, result.parked_at))
    return outcome


def account_stream(account_id: str) -> str:
    return stream_id(account_id)
