"""What the operator commands do, apart from printing: find streams, verify chains, rebuild read
models, replay parked streams. Any category, any read model: the host says which exist."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from adapters.projection_slots_dynamodb import SLOTS, SWITCH_TTL_SECONDS
from application.history import erasure_recorded
from eventcore.aggregates import Aggregates, AnyRepository, UnknownCategory
from eventcore.categories import stream_id
from eventcore.digest_audit import (
    DigestedHeads,
    Seen,
    against_digests,
    missing_stream,
    recording,
    unsigned_head,
)
from eventcore.events import personal_fields
from eventcore.hashchain import ChainReport
from eventcore.personal import is_sealed
from eventcore.verification import verify_stream
from handlers.aws_infrastructure import AwsInfrastructure
from hosting.host import Host

Progress = Callable[[int], None]


def resolve_stream(host: Host, identifier: str, category: str | None) -> str:
    """A stream id from what an operator typed: an entity id of `category` (by default the
    first domain's), or a whole stream id (`Account-<id>`) of any installed category."""
    if category is not None:
        return stream_id(host.catalogue.by_category(category).category, identifier)
    if host.catalogue.for_stream(identifier) is not None and "-" in identifier:
        return identifier
    return stream_id(host.catalogue.domains[0].category, identifier)


def verify_streams(
    aggregates: Aggregates,
    streams: list[str] | None = None,
    digested: DigestedHeads | None = None,
    signed_before: str | None = None,
) -> Iterator[ChainReport]:
    """Each stream's chain, its latest snapshot against its events (for the categories an
    installed domain claims; any other stream's chain alone), and every head the digests
    signed against the table; with every stream (`streams` None), also each stream a digest
    signed that the table no longer has. With `signed_before` (a recorded time), a head
    recorded before it must be in a digest."""
    store = aggregates.store
    signed = digested.by_stream if digested is not None else {}
    found = sorted(store.stream_ids()) if streams is None else streams
    for stream in found:
        try:
            repository: AnyRepository | None = aggregates.repository(stream)
        except UnknownCategory:
            repository = None
        seen = Seen()
        report = verify_stream(stream, recording(store.read(stream), seen), repository)
        if report.ok and signed.get(stream):
            report = against_digests(report, seen, signed[stream])
        if report.ok and report.commits and digested is not None and signed_before:
            report = unsigned_head(report, seen, signed.get(stream, []), signed_before)
        yield report
    if streams is None:
        present = set(found)
        for stream in sorted(set(signed) - present):
            yield missing_stream(stream, signed[stream])


def state_of(host: Host, stream: str, version: int | None, at: str | None) -> dict[str, Any]:
    """The stream's state as its domain's codec writes it into a snapshot, with its version;
    raises LookupError when the stream had no such version (or did not exist)."""
    repository = host.aggregates.repository(stream)
    if version is None and at is None:
        loaded = repository.load_fresh(stream)
        found = loaded if loaded.exists else None
    else:
        found = repository.load_at(stream, version=version, at=at)
    if found is None:
        raise LookupError(f"{stream} has no such state")
    domain = host.catalogue.for_stream(stream)
    assert domain is not None  # the repository was found by the same category
    state = domain.codec.dump(found.state)
    # Sealed personal values revealed (a field's name is what it was sealed for); null once
    # erased, also where the text was stored before values were sealed.
    personal = host.platform.personal
    shown = {k: personal.reveal(v, k) if is_sealed(v) else v for k, v in state.items()}
    if erasure_recorded(host.aggregates.store, stream):
        fields = {f for model in domain.registry.models() for f in personal_fields(model)}
        shown = {k: None if k in fields else v for k, v in shown.items()}
    return {"stream_id": stream, "version": found.version, **shown}


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


def rebuild(
    host: Host,
    aws: AwsInfrastructure,
    name: str,
    *,
    progress: Progress,
    settle_seconds: float = SWITCH_TTL_SECONDS,
    on_total: Callable[[int], None] = lambda _: None,
) -> RebuildReport:
    """Blue/green rebuild of the read model `name` from the event table.

    The live slot keeps serving while the other is emptied and refilled; readers switch only
    when it is complete. After the switch, a second pass (once every cached pointer has expired)
    applies whatever the live projector wrote to the old slot meanwhile. Only the read model's
    own category's streams are read.
    """
    domain, model = host.catalogue.read_model(name)
    dynamodb = aws.client("dynamodb")
    live = aws.slots.active(model.name)
    target = next(s for s in SLOTS if s != live)
    _empty(dynamodb, aws.tables(model)[target], model.key)
    views = aws.view_store(model, slot=target)
    projector = host.projector_into(domain, model, views)
    store = host.aggregates.store
    on_total(count_commits(dynamodb, aws.settings.events_table))
    streams = sorted(s for s in store.stream_ids() if host.catalogue.for_stream(s) is domain)
    events = parked = 0
    for stream in streams:
        result = projector.replay(stream)
        events += result.applied
        parked += result.parked_at is not None
        progress(result.applied)
    aws.slots.switch(model.name, target)
    time.sleep(settle_seconds)
    late = sum(projector.replay(stream).applied for stream in streams)
    still_parked = {p.stream_id for p in views.parked}
    for stream in still_parked:
        if views.load(stream).parked is None:
            views.parked.remove(stream)
    return RebuildReport(model.name, live, target, len(streams), events, late, parked)


def _empty(dynamodb: Any, table: str, key: str) -> None:
    request: dict[str, Any] = {
        "TableName": table,
        "ProjectionExpression": "#key",
        "ExpressionAttributeNames": {"#key": key},
    }
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


@dataclass(frozen=True)
class ParkedEntry:
    model: str
    stream_id: str
    version: int
    error: str
    parked_at: str


def parked(host: Host, aws: AwsInfrastructure, names: list[str]) -> list[ParkedEntry]:
    """The streams parked in each of the read models `names`."""
    entries = []
    for name in names:
        _, model = host.catalogue.read_model(name)
        for entry in aws.view_store(model).parked:
            entries.append(
                ParkedEntry(name, entry.stream_id, entry.version, entry.error, entry.parked_at)
            )
    return entries


def replay_parked(
    host: Host, aws: AwsInfrastructure, names: list[str]
) -> list[tuple[str, str, int | None]]:
    """Unpark every stream parked in the read models `names` and catch it up; returns
    (read model, stream, parked again at)."""
    outcome = []
    for name in names:
        domain, model = host.catalogue.read_model(name)
        views = aws.view_store(model)
        # The live projector of that read model: catching up writes snapshots as it goes.
        projector = host.projections[domain.category].projectors[domain.read_models.index(model)]
        for entry in list(views.parked):
            views.unpark(entry.stream_id)
            result = projector.replay(entry.stream_id)
            outcome.append((name, entry.stream_id, result.parked_at))
    return outcome
