"""Who a request comes from, as the gateway authenticated it, and whether its roles let it use
the route: 401 when nothing authenticated it, 403 when its roles do not fit the route.

API Gateway (or the local gateway) checks credentials; what reaches the function is the
authorizer context it wrote: a JWT's claims, or the IAM identity that signed the request. The
roles come from the JWT's `scope` claim (`ledger/<role>`), or for IAM from the stack's mapping
of principals to roles. Nothing here trusts a header the client sets.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from application.callers import Caller, Role

SCOPE_PREFIX = "ledger/"


@dataclass(frozen=True)
class Authentication:
    """How roles are found. `iam_roles`: IAM principal (user or role ARN) -> its roles."""

    iam_roles: Mapping[str, frozenset[Role]] = field(default_factory=dict)
    scope_prefix: str = SCOPE_PREFIX

    def caller_of(self, event: Mapping[str, Any]) -> Caller | None:
        """The caller the authorizer context names, or None when there is none."""
        authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
        jwt = authorizer.get("jwt") or {}
        claims = jwt.get("claims") or {}
        if claims.get("iss") and claims.get("sub"):
            scopes = _scopes(claims.get("scope"), jwt.get("scopes"))
            roles = {Role(s.removeprefix(self.scope_prefix)) for s in scopes if self._grants(s)}
            return Caller.of(f"{claims['iss']}#{claims['sub']}", roles)
        iam = authorizer.get("iam") or {}
        if iam.get("userArn"):
            caller = Caller.of(str(iam["userArn"]), set())
            return Caller(
                caller.principal, self.iam_roles.get(caller.principal, frozenset()), caller.actor
            )
        return None

    def _grants(self, scope: str) -> bool:
        return scope.startswith(self.scope_prefix) and scope.removeprefix(self.scope_prefix) in {
            r.value for r in Role
        }


def _scopes(claim: Any, listed: Any) -> set[str]:
    scopes = set(str(claim).split()) if isinstance(claim, str) else set()
    if isinstance(listed, list):
        scopes |= {str(s) for s in listed}
    return scopes


@dataclass(frozen=True)
class Permission:
    """Who may use one route: its method, its path template (`/accounts/<account_id>`) and the
    roles allowed on it."""

    method: str
    path: str
    roles: frozenset[Role]

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and _pattern(self.path).match(path) is not None


@functools.lru_cache(maxsize=256)
def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"<[^>]+>", template)
    return re.compile("^" + "[^/]+".join(re.escape(p) for p in parts) + "$")


def permission_for(permissions: Sequence[Permission], method: str, path: str) -> Permission | None:
    return next((p for p in permissions if p.matches(method, path)), None)
