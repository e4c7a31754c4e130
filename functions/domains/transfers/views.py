"""The `transfers` read model: one view per transfer, and an index of the pending ones sorted by
deadline, which the expiry sweep reads."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from typing import Any

from domains.transfers.events import (
    TransferCreated,
    TransferEvent,
    TransferExpired,
    TransferPosted,
    TransferVoided,
)
from eventcore.categories import entity_id_of
from eventcore.events import Event
from eventcore.read_models import Index, ReadModel

# Pending transfers, spread over a few index partitions (one would take every pending
# transfer's writes) and sorted by deadline: the sweep reads each shard up to now, so it reads
# the transfers that are due and no others, however many are pending or however late a view was
# projected.
PENDING_INDEX = Index("pending_shard", sort_key="expires_at")
PENDING_SHARDS = 8


def pending_shard(transfer_id: str) -> str:
    """The index partition of a pending transfer: fixed by its id."""
    return str(zlib.crc32(transfer_id.encode()) % PENDING_SHARDS)


@dataclass(frozen=True, slots=True)
class TransferView:
    transfer_id: str
    from_account: str
    to_account: str
    amount: int
    posted_amount: int
    status: str
    created_at: str
    expires_at: str | None
    version: int

    def to_json(self) -> dict[str, Any]:
        """The API's body."""
        return {
            "transfer_id": self.transfer_id,
            "from_account": self.from_account,
            "to_account": self.to_account,
            "amount": self.amount,
            "posted_amount": self.posted_amount,
            "status": self.status,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "version": self.version,
        }


def project(view: TransferView | None, transfer_id: str, event: TransferEvent) -> TransferView:
    """Apply one event (the next version) to the view."""
    if view is None:
        if not isinstance(event, TransferCreated):
            raise ValueError(f"{transfer_id}: first event is {event.type}, not TransferCreated")
        status = "pending" if event.pending else "posted"
        return TransferView(
            transfer_id,
            event.from_account,
            event.to_account,
            event.amount,
            0,
            status,
            event.created_at,
            event.expires_at,
            1,
        )
    version = view.version + 1
    match event:
        case TransferPosted(amount=amount):
            return replace(view, status="posted", posted_amount=amount, version=version)
        case TransferVoided():
            return replace(view, status="voided", version=version)
        case TransferExpired():
            return replace(view, status="expired", version=version)
    raise ValueError(f"{transfer_id}: cannot project {event.type} at version {version}")


def project_stream(view: TransferView | None, stream: str, event: Event) -> TransferView:
    """`project` in the shape the generic projector calls."""
    return project(view, entity_id_of(stream), event)  # type: ignore[arg-type]


class TransferViewCodec:
    """A transfer view as stored; a pending one also under its shard of the pending index (the
    attribute is left out otherwise, so the index holds pending transfers only)."""

    def dump(self, view: TransferView) -> dict[str, Any]:
        shard = pending_shard(view.transfer_id) if view.status == "pending" else None
        return {**view.to_json(), PENDING_INDEX.attribute: shard}

    def load(self, data: dict[str, Any]) -> TransferView:
        expires_at = data.get("expires_at")
        return TransferView(
            transfer_id=str(data["transfer_id"]),
            from_account=str(data["from_account"]),
            to_account=str(data["to_account"]),
            amount=int(data["amount"]),
            posted_amount=int(data["posted_amount"]),
            status=str(data["status"]),
            created_at=str(data["created_at"]),
            expires_at=None if expires_at is None else str(expires_at),
            version=int(data["version"]),
        )


TRANSFERS: ReadModel[TransferView] = ReadModel(
    name="transfers",
    key="transfer_id",
    projection=project_stream,
    codec=TransferViewCodec(),
    indexes=(PENDING_INDEX,),
)
