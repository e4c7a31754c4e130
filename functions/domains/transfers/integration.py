"""The transfers' integration feed: every committed transfer event on the bus, with source
`ledger.transfers`, in the platform's envelope plus the transfer's id."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from eventcore.categories import entity_id_of
from eventcore.integration import IntegrationEvent, IntegrationFeed

SOURCE = "ledger.transfers"


class TransferIntegrationEvent(IntegrationEvent):
    """The `detail` of one transfer event on EventBridge (at least once, unordered: drop
    duplicates by `event_id`, order by `version` within a `stream_id`). The accounts' side of
    the same commit comes from `ledger.accounts`."""

    transfer_id: str = Field(description="The transfer, `stream_id` without `Transfer-`")


def _fields(stream_id: str) -> dict[str, Any]:
    return {"transfer_id": entity_id_of(stream_id)}


FEED = IntegrationFeed(source=SOURCE, envelope=TransferIntegrationEvent, fields=_fields)
