"""The state of one account, as folded from its events, and how it is kept in snapshots."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Status = Literal["unknown", "open", "closed"]


@dataclass(frozen=True, slots=True)
class Account:
    status: Status = "unknown"
    owner: str = ""
    currency: str = ""
    balance: int = 0


class AccountCodec:
    """Snapshot form of `Account`. Bump `schema_version` when `Account`'s fields change."""

    schema_version = 1

    def dump(self, state: Account) -> dict[str, Any]:
        return asdict(state)

    def load(self, data: dict[str, Any]) -> Account:
        return Account(**data)
