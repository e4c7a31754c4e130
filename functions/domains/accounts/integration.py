"""The accounts' integration feed: every committed account event on the bus, with source
`ledger.accounts`, in the platform's envelope plus the account's id.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from eventcore.categories import entity_id_of
from eventcore.integration import IntegrationEvent, IntegrationFeed

# The EventBridge `Source` of every account event the ledger publishes.
SOURCE = "ledger.accounts"


class AccountIntegrationEvent(IntegrationEvent):
    """The `detail` of one ledger account event on EventBridge.

    Delivery is at least once and unordered: drop duplicates by `event_id`, order by `version`
    within a `stream_id`. `data` is the event as stored, in the shape of its `schema_version`.
    """

    account_id: str = Field(description="The account, `stream_id` without `Account-`")


def _fields(stream_id: str) -> dict[str, Any]:
    return {"account_id": entity_id_of(stream_id)}


FEED = IntegrationFeed(source=SOURCE, envelope=AccountIntegrationEvent, fields=_fields)
