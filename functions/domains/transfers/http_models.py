"""Request and response bodies of the transfers' routes (their part of the OpenAPI document)."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, Field, StrictBool, StrictInt, model_validator

from domains.accounts.http_models import AccountId, Amount
from domains.transfers.decider import MAX_TIMEOUT_SECONDS
from httpkernel.models import Body

TRANSFER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$"
Status = Literal["pending", "posted", "voided", "expired"]


class TransferBody(Body):
    from_account: AccountId
    to_account: AccountId
    amount: Amount
    pending: StrictBool = Field(
        default=False, description="hold the amount until posted, voided or expired"
    )
    timeout_seconds: Annotated[
        StrictInt | None,
        Field(
            ge=1,
            le=MAX_TIMEOUT_SECONDS,
            description="seconds until a pending transfer expires (default 86400); only with"
            " `pending`",
        ),
    ] = None

    @model_validator(mode="after")
    def _timeout_only_when_pending(self) -> Self:
        if self.timeout_seconds is not None and not self.pending:
            raise ValueError("timeout_seconds is only for a pending transfer")
        return self


class PostBody(Body):
    amount: Amount | None = Field(
        default=None, description="how much of the pending amount to move (default: all)"
    )


class Created(BaseModel):
    transfer_id: str
    status: Literal["pending", "posted"]
    amount: int | None = Field(default=None, description="pending transfers only")
    expires_at: str | None = Field(default=None, description="pending transfers only")
    from_version: int | None
    # Null for a caller who may not see that account: its version is its owner's business.
    to_version: int | None


class Posted(BaseModel):
    transfer_id: str
    status: Literal["posted"]
    posted_amount: int
    from_version: int | None
    to_version: int | None


class Voided(BaseModel):
    transfer_id: str
    status: Literal["voided"]
    from_version: int | None
    to_version: int | None


class TransferResponse(BaseModel):
    transfer_id: str
    from_account: str
    to_account: str
    amount: int
    posted_amount: int
    status: Status
    created_at: str
    expires_at: str | None
    version: int
