"""Request and response bodies of the accounts' routes (they make their part of the OpenAPI
document)."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, StrictInt

from eventcore.personal import PERSONAL
from httpkernel.models import Body

ACCOUNT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$"

AccountId = Annotated[
    str, Field(pattern=ACCOUNT_ID_PATTERN, examples=["7f1c2a9e-4b1d-4a8e-9c61-2f0e9a4b5c3d"])
]


def _integral(value: Any) -> Any:
    # JSON Schema counts 2500.0 as an integer; strict validation then refuses only what is not
    # one (2500.5, "2500", true).
    return int(value) if isinstance(value, float) and value.is_integer() else value


Amount = Annotated[
    StrictInt,
    Field(ge=1, le=10**12, description="integer minor units (cents), 1 to 10^12"),
    BeforeValidator(_integral),
]


# What an owner's name may not contain: control characters (C0 and C1), line and paragraph
# separators, bidirectional controls (they reorder how the text around them is displayed, so in
# an audit trail one name can be made to read as another) and interlinear annotation marks
# (they hide text). As a character class, for the OpenAPI document's pattern too.
_REFUSED = r"\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufff9-\ufffb"
# Characters that show nothing: spaces and format characters of any script, combining marks on
# their own, Hangul fillers and the braille blank.
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cf", "Mn", "Me"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _visible_name(name: str) -> str:
    # The pattern (checked first) refuses the characters above; this adds what JSON Schema
    # cannot say: something in the name must show.
    if all(c in _BLANK_LETTERS or unicodedata.category(c) in _INVISIBLE_CATEGORIES for c in name):
        raise ValueError("must contain a visible character")
    return name


class OpenAccountBody(Body):
    owner: Annotated[
        str,
        Field(
            min_length=1,
            max_length=100,
            pattern=f"^[^{_REFUSED}]*[^{_REFUSED}\\x20][^{_REFUSED}]*$",
            description="a name with a visible character; no control, line-break, "
            "bidirectional-control or annotation characters",
        ),
        AfterValidator(_visible_name),
        PERSONAL,  # sealed before it is stored; never part of the request's fingerprint
    ]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])]
    owner_principal: Annotated[
        str | None,
        Field(
            pattern=r"^[\x21-\x7e]{1,512}$",
            description="operators only: the principal the account belongs to (an IAM"
            " principal's ARN, or `<issuer>#<sub>` of a JWT's subject); the caller by default",
        ),
    ] = None


class AmountBody(Body):
    amount: Amount


class ErasureBody(Body):
    reason: Annotated[
        str,
        Field(
            min_length=1,
            max_length=500,
            description="why (a request under GDPR article 17, say); kept in the erasure's event:"
            " write no personal data here",
        ),
    ] = "erasure requested"


class Erased(BaseModel):
    account_id: str
    version: int
    erased: Literal[True]


class Opened(BaseModel):
    account_id: str
    version: int


class Moved(BaseModel):
    account_id: str
    version: int
    balance: int


class Closed(BaseModel):
    account_id: str
    version: int


class AccountBody(BaseModel):
    account_id: str
    owner: str | None = Field(description="null once the holder's personal data was erased")
    currency: str
    balance: int = Field(description="the posted balance")
    available: int = Field(description="the balance less pending debits: what may be spent")
    pending_debits: int = Field(description="held by pending transfers out of the account")
    pending_credits: int = Field(description="held by pending transfers into the account")
    status: Literal["open", "closed"]
    version: int


class AccountsPage(BaseModel):
    accounts: list[AccountBody]
    next_cursor: str | None
