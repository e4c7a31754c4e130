"""Which blue/green slot (table) of each read model is live, kept in the projections table.

Readers and the projector cache the answer briefly: a switch made by a rebuild is seen within
`ttl` seconds, and the rebuild waits that long before its final catch-up pass.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from adapters.dynamodb_calls import call

SLOTS = ("blue", "green")
POINTER_KEY = "active"
SWITCH_TTL_SECONDS = 30.0


class ActiveSlots:
    def __init__(
        self,
        client: Any,
        table: str,
        ttl: float = SWITCH_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._table = table
        self._ttl = ttl
        self._monotonic = monotonic
        self._cached: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def active(self, model: str) -> str:
        now = self._monotonic()
        with self._lock:
            hit = self._cached.get(model)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        item = call(
            self._client,
            "get_item",
            TableName=self._table,
            Key={"pk": {"S": POINTER_KEY}, "sk": {"S": model}},
            ConsistentRead=True,
        ).get("Item")
        slot = item["slot"]["S"] if item else SLOTS[0]
        with self._lock:
            self._cached[model] = (now, slot)
        return slot

    def switch(self, model: str, slot: str) -> None:
        if slot not in SLOTS:
            raise ValueError(f"slot must be one of {SLOTS}")
        self._client.put_item(
            TableName=self._table,
            Item={"pk": {"S": POINTER_KEY}, "sk": {"S": model}, "slot": {"S": slot}},
        )
        with self._lock:
            self._cached.pop(model, None)
