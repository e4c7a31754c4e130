"""Account events (past tense). Money is always integer minor units."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from eventcore.events import Event, EventRegistry, JSONDict
from eventcore.personal import PERSONAL

registry = EventRegistry()

Amount = Annotated[int, Field(ge=1, le=10**12, strict=True)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


@registry.register
class AccountOpenedV1(Event):
    """The first shape of AccountOpened, from before the ledger held more than one currency."""

    type: Literal["AccountOpened"] = "AccountOpened"
    schema_version: Literal[1] = 1
    owner: str


@registry.register
class AccountOpenedV2(Event):
    """AccountOpened before accounts were bound to the principal that owns them."""

    type: Literal["AccountOpened"] = "AccountOpened"
    schema_version: Literal[2] = 2
    owner: str
    currency: Currency


# The owner's name, sealed under the account's own key (`eventcore.personal`): a token that
# reveals the name until the account's personal data is erased, and nothing after. Accounts
# opened before names were sealed hold the name itself.
Owner = Annotated[
    str, PERSONAL, Field(description="personal data: a sealed token (pd1:<account id>:...)")
]


@registry.register
class AccountOpened(Event):
    type: Literal["AccountOpened"] = "AccountOpened"
    schema_version: Literal[3] = 3
    owner: Owner
    currency: Currency
    # The principal that owns the account (an IAM principal's ARN, or `<issuer>#<sub>` of a
    # JWT's subject); None for accounts opened before ownership was recorded, on which only
    # operators and auditors act.
    owner_principal: str | None = None


@registry.upcaster("AccountOpened", from_version=1)
def _opened_v1_to_v2(data: JSONDict) -> JSONDict:
    # Every account opened before currencies were recorded was a euro account.
    return {**data, "currency": "EUR"}


@registry.upcaster("AccountOpened", from_version=2)
def _opened_v2_to_v3(data: JSONDict) -> JSONDict:
    # Owners were not recorded: nobody owns these accounts.
    return {**data, "owner_principal": None}


@registry.register
class Deposited(Event):
    type: Literal["Deposited"] = "Deposited"
    schema_version: Literal[1] = 1
    amount: Amount


@registry.register
class Withdrawn(Event):
    type: Literal["Withdrawn"] = "Withdrawn"
    schema_version: Literal[1] = 1
    amount: Amount


@registry.register
class TransferSent(Event):
    type: Literal["TransferSent"] = "TransferSent"
    schema_version: Literal[1] = 1
    transfer_id: str
    to_account: str
    amount: Amount


@registry.register
class TransferReceived(Event):
    type: Literal["TransferReceived"] = "TransferReceived"
    schema_version: Literal[1] = 1
    transfer_id: str
    from_account: str
    amount: Amount


# Holds: a pending transfer reserves the amount on both sides until it is posted, voided or
# expired (the `Transfer` stream says which). The balance is the posted balance; a debit held
# is not available to spend, a credit held not yet to the target.


@registry.register
class DebitHeld(Event):
    type: Literal["DebitHeld"] = "DebitHeld"
    schema_version: Literal[1] = 1
    transfer_id: str
    to_account: str
    amount: Amount


@registry.register
class CreditHeld(Event):
    type: Literal["CreditHeld"] = "CreditHeld"
    schema_version: Literal[1] = 1
    transfer_id: str
    from_account: str
    amount: Amount


@registry.register
class DebitReleased(Event):
    """The hold ended (posted, voided or expired): the amount is no longer reserved. A posted
    transfer's `TransferSent` follows in the same commit."""

    type: Literal["DebitReleased"] = "DebitReleased"
    schema_version: Literal[1] = 1
    transfer_id: str
    amount: Amount


@registry.register
class CreditReleased(Event):
    type: Literal["CreditReleased"] = "CreditReleased"
    schema_version: Literal[1] = 1
    transfer_id: str
    amount: Amount


@registry.register
class PersonalDataErased(Event):
    """The account holder's personal data was erased (its key destroyed): the owner's name
    reads as null from here on, and in every copy made before. Who and when are the commit's."""

    type: Literal["PersonalDataErased"] = "PersonalDataErased"
    schema_version: Literal[1] = 1
    reason: Annotated[str, Field(min_length=1, max_length=500)]


@registry.register
class AccountClosed(Event):
    type: Literal["AccountClosed"] = "AccountClosed"
    schema_version: Literal[1] = 1


AccountEvent = (
    AccountOpened
    | Deposited
    | Withdrawn
    | TransferSent
    | TransferReceived
    | DebitHeld
    | CreditHeld
    | DebitReleased
    | CreditReleased
    | PersonalDataErased
    | AccountClosed
)
