"""The `accounts` read model: one view per account, the pure projection that builds it, and how
it is stored."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from domains.accounts.events import (
    AccountClosed,
    AccountEvent,
    AccountOpened,
    CreditHeld,
    CreditReleased,
    DebitHeld,
    DebitReleased,
    Deposited,
    PersonalDataErased,
    TransferReceived,
    TransferSent,
    Withdrawn,
)
from domains.accounts.state import Account
from eventcore.categories import entity_id_of
from eventcore.events import Event
from eventcore.read_models import ReadModel


@dataclass(frozen=True, slots=True)
class AccountView:
    """What `GET /accounts/{id}` answers (and, beside it, who owns the account, which the
    answer leaves out). `version` doubles as the projection's high-water mark."""

    account_id: str
    owner: (
        str | None
    )  # sealed (see `Ledger`, which reveals it to whoever may see it); None once erased
    currency: str
    balance: int
    status: str
    version: int
    owner_principal: str | None = None
    pending_debits: int = 0
    pending_credits: int = 0

    def to_json(self) -> dict[str, Any]:
        """The API's body. `balance` is the posted balance; `available` what may be spent."""
        return {
            "account_id": self.account_id,
            "owner": self.owner,
            "currency": self.currency,
            "balance": self.balance,
            "available": self.balance - self.pending_debits,
            "pending_debits": self.pending_debits,
            "pending_credits": self.pending_credits,
            "status": self.status,
            "version": self.version,
        }

    @classmethod
    def of(cls, account_id: str, state: Account, version: int) -> AccountView:
        return cls(
            account_id,
            state.owner,
            state.currency,
            state.balance,
            state.status,
            version,
            state.owner_principal,
            state.pending_debits,
            state.pending_credits,
        )


def project(view: AccountView | None, account_id: str, event: AccountEvent) -> AccountView:
    """Apply one event (the next version) to the view."""
    if view is None:
        if not isinstance(event, AccountOpened):
            raise ValueError(f"{account_id}: first event is {event.type}, not AccountOpened")
        return AccountView(
            account_id, event.owner, event.currency, 0, "open", 1, event.owner_principal
        )
    version = view.version + 1
    match event:
        case Deposited(amount=amount) | TransferReceived(amount=amount):
            return replace(view, balance=view.balance + amount, version=version)
        case Withdrawn(amount=amount) | TransferSent(amount=amount):
            return replace(view, balance=view.balance - amount, version=version)
        case DebitHeld(amount=amount) | DebitReleased(amount=amount):
            held = amount if isinstance(event, DebitHeld) else -amount
            return replace(view, pending_debits=view.pending_debits + held, version=version)
        case CreditHeld(amount=amount) | CreditReleased(amount=amount):
            held = amount if isinstance(event, CreditHeld) else -amount
            return replace(view, pending_credits=view.pending_credits + held, version=version)
        case PersonalDataErased() | AccountClosed():
            return _lifecycle(view, event, version)
    raise ValueError(f"{account_id}: cannot project {event.type} at version {version}")


def _lifecycle(view: AccountView, event: AccountEvent, version: int) -> AccountView:
    if isinstance(event, PersonalDataErased):
        return replace(view, owner=None, version=version)  # the projector redacts at once
    return replace(view, status="closed", version=version)


def project_stream(view: AccountView | None, stream: str, event: Event) -> AccountView:
    """`project` in the shape the generic projector calls."""
    return project(view, entity_id_of(stream), event)  # type: ignore[arg-type]


class AccountViewCodec:
    """An account view as stored: its fields under their own names (the item a deployed table
    already holds: `account_id`, `owner`, `currency`, `balance`, `status`, `version`), the
    pending amounts (missing from items written before holds existed: 0), and
    `owner_principal` when the account has an owner (the owner index is sparse)."""

    def dump(self, view: AccountView) -> dict[str, Any]:
        stored = view.to_json()
        del stored["available"]  # derived
        return {**stored, "owner_principal": view.owner_principal}

    def load(self, data: dict[str, Any]) -> AccountView:
        principal = data.get("owner_principal")
        return AccountView(
            account_id=str(data["account_id"]),
            owner=None if data.get("owner") is None else str(data["owner"]),
            currency=str(data["currency"]),
            balance=int(data["balance"]),
            status=str(data["status"]),
            version=int(data["version"]),
            owner_principal=None if principal is None else str(principal),
            pending_debits=int(data.get("pending_debits", 0)),
            pending_credits=int(data.get("pending_credits", 0)),
        )


OWNER_INDEX = "owner_principal"
# The personal field of an account, and the purpose its token is sealed for.
OWNER = "owner"
ACCOUNTS: ReadModel[AccountView] = ReadModel(
    name="accounts",
    key="account_id",
    projection=project_stream,
    codec=AccountViewCodec(),
    indexes=(OWNER_INDEX,),
)
