"""The transfers domain as the platform hosts it: the one thing this package exports to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from domains.transfers.decider import CATEGORY, decider
from domains.transfers.events import registry
from domains.transfers.integration import FEED
from domains.transfers.service import Transfers
from domains.transfers.state import TransferCodec
from domains.transfers.views import TRANSFERS as TRANSFERS_VIEW
from hosting.domain import Domain, Job, JobFailed, TimeLeft

if TYPE_CHECKING:
    from httpkernel.routing import DomainRouter

NAME = "transfers"


def routes(transfers: Callable[[], Transfers]) -> DomainRouter:
    # Imported when the HTTP app is built: the stream consumers load no HTTP code.
    from domains.transfers.routes import routes as transfer_routes

    return transfer_routes(transfers)


def _expire_due(transfers: Transfers, time_left: TimeLeft) -> int:
    sweep = transfers.expire_due(time_left)
    if sweep.failed:
        raise JobFailed(sweep.expired, sweep.failed)
    return sweep.expired


TRANSFERS: Domain[Transfers] = Domain(
    name=NAME,
    category=CATEGORY,
    registry=registry,
    decider=decider,
    codec=TransferCodec(),
    service=Transfers,
    routes=routes,
    read_models=(TRANSFERS_VIEW,),
    integration=FEED,
    # A transfer's stream holds two commits at most: nothing to shorten.
    snapshot_every=None,
    jobs=(Job("expire-transfers", _expire_due),),
    description="Transfers between accounts: immediate, or pending until posted, voided or expired",
)
