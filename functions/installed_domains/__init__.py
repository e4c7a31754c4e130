"""The domains this deployment hosts: the one place that names them.

The Lambda handlers (`handlers.bootstrap`), the stack (`app.py`) and the operator CLI take their
domains from here; add a domain package's descriptor to `DOMAINS` to host it (see
docs/extending.md).
"""

from __future__ import annotations

from domains.accounts.domain import ACCOUNTS
from domains.transfers.domain import TRANSFERS
from hosting.catalogue import Catalogue

DOMAINS = Catalogue([ACCOUNTS, TRANSFERS])
