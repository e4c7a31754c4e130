"""Who is asking: the principal authorization knows, its roles, and the identity the audit trail
keeps. Authentication is the gateway's (API Gateway on AWS, the local gateway under `make
run`); this is what it established, as every service sees it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """What a caller may do, whatever the domain: JWT scopes `ledger/<role>`, or an IAM
    principal the stack's configuration maps to one."""

    CUSTOMER = "customer"
    OPERATOR = "operator"
    AUDITOR = "auditor"


# An assumed role's session: the principal is the role, whatever the session is called.
_SESSION = re.compile(
    r"^arn:(?P<partition>[\w-]+):sts::(?P<account>\d+):assumed-role/(?P<role>[^/]+)/.+$"
)


def principal_of(actor: str) -> str:
    """The principal authorization uses for an identity the audit trail keeps: an IAM role for
    any of its sessions (`arn:aws:sts::1:assumed-role/R/s` is `arn:aws:iam::1:role/R`), else the
    identity itself (an IAM user's ARN, or a JWT's `<issuer>#<sub>`)."""
    session = _SESSION.match(actor)
    if session is None:
        return actor
    return f"arn:{session['partition']}:iam::{session['account']}:role/{session['role']}"


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated caller. `principal` is what ownership and idempotency are scoped to;
    `actor` is the full identity (an assumed role's session included) kept with every commit."""

    principal: str
    roles: frozenset[Role]
    actor: str

    @classmethod
    def of(cls, actor: str, roles: frozenset[Role] | set[Role]) -> Caller:
        return cls(principal_of(actor), frozenset(roles), actor)

    def has(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def sees_everything(self) -> bool:
        """Operators and auditors see every stream; others only what is theirs."""
        return self.has(Role.OPERATOR, Role.AUDITOR)


# The platform itself (expiries, migrations): acts on every stream, in the audit trail as such.
SYSTEM = Caller("system", frozenset({Role.OPERATOR}), "system")
