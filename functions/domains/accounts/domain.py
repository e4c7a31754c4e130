"""The accounts domain as the platform hosts it: the one thing this package exports to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from domains.accounts.decider import CATEGORY, decider
from domains.accounts.events import registry
from domains.accounts.integration import FEED
from domains.accounts.ledger import Ledger
from domains.accounts.state import AccountCodec
from domains.accounts.views import ACCOUNTS as ACCOUNTS_VIEW
from hosting.domain import Domain

if TYPE_CHECKING:
    from httpkernel.routing import DomainRouter

NAME = "accounts"


def routes(ledger: Callable[[], Ledger]) -> DomainRouter:
    # Imported when the HTTP app is built: the stream consumers load no HTTP code.
    from domains.accounts.routes import routes as accounts_routes

    return accounts_routes(ledger)


ACCOUNTS: Domain[Ledger] = Domain(
    name=NAME,
    category=CATEGORY,
    registry=registry,
    decider=decider,
    codec=AccountCodec(),
    service=Ledger,
    routes=routes,
    read_models=(ACCOUNTS_VIEW,),
    integration=FEED,
    snapshot_every=100,
    description="Accounts: open, deposit, withdraw, transfer, close, and read them as they are"
    " or were",
)
