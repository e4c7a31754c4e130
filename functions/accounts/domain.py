"""The accounts domain as the platform hosts it: the one thing this package exports to it."""

from __future__ import annotations

from accounts.decider import CATEGORY, decider
from accounts.events import registry
from accounts.integration import FEED
from accounts.ledger import Ledger
from accounts.routes import TAG, routes
from accounts.state import AccountCodec
from accounts.views import ACCOUNTS as ACCOUNTS_VIEW
from hosting.domain import Domain

ACCOUNTS: Domain[Ledger] = Domain(
    name=TAG,
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
