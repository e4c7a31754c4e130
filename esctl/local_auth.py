"""The local stand-in for API Gateway's authorizers: a JWT issuer and IAM principals of its own.

Under `make run` every API request is authenticated as API Gateway would: a bearer JWT is
checked (signature, `iss`, `aud`, `exp`, `nbf`) and must carry one of the route's scopes
(`ledger/<role>`, what the stack's routes list as AuthorizationScopes); a SigV4 signature
(service `execute-api`, the stack's region) must be one a local IAM principal made, and the
principal's role must be one the route allows (what the stack's per-role policies grant). What
passes reaches the functions as the authorizer context API Gateway writes; what does not is
answered here (401, 403) and never reaches them.

The issuer's key and the principals' secret keys are made when the stack starts and kept in the
local AWS's Secrets Manager, where `esctl token` and `esctl credentials` read them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import jwt
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from application.callers import Role
from hosting.routes import RouteInfo

ISSUER = "https://issuer.ledger.local/"
AUDIENCE = "ledger-local"
SCOPE_PREFIX = "ledger/"
ALGORITHM = "ES256"
ISSUER_SECRET = "ledger-local-issuer"
ACCOUNT = "123456789012"
SERVICE = "execute-api"
# API Gateway refuses a signature dated further than this from its own clock.
MAX_SKEW_SECONDS = 300
# The local IAM principals: operators and auditors sign requests (customers use tokens).
IAM_ROLES = (Role.OPERATOR, Role.AUDITOR)

_CREDENTIAL = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, ?SignedHeaders=(?P<headers>[a-z0-9;-]+), ?"
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)


def principal_secret(role: Role) -> str:
    return f"ledger-local-principal-{role.value}"


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str | None  # None: API Gateway's own answer, which has a message only
    message: str

    def body(self) -> bytes:
        if self.code is None:
            return json.dumps({"message": self.message}).encode()
        return json.dumps({"error": self.code, "message": self.message}).encode()


@dataclass(frozen=True)
class Principal:
    role: Role
    user_arn: str
    user_id: str
    access_key_id: str
    secret_access_key: str


@dataclass(frozen=True)
class Incoming:
    """The parts of a request its authentication reads."""

    method: str
    url: str  # scheme, host and the path and query as received
    headers: Mapping[str, str]  # names lower-cased
    body: bytes


class LocalAuthority:
    """Authenticates requests to the local API; `routes` say which roles each route allows."""

    def __init__(
        self,
        private_key: ec.EllipticCurvePrivateKey,
        principals: Sequence[Principal],
        region: str,
        routes: Sequence[RouteInfo],
    ) -> None:
        self._public_key = private_key.public_key()
        self._principals = {p.access_key_id: p for p in principals}
        self.principals = tuple(principals)
        self.region = region
        self._routes = [(r, _template(r.path)) for r in routes]

    @classmethod
    def provision(
        cls, secrets: Any, iam: Any, region: str, routes: Sequence[RouteInfo]
    ) -> LocalAuthority:
        """Make the issuer's key and one IAM principal per role, and keep their secrets."""
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        secrets.create_secret(Name=ISSUER_SECRET, SecretString=pem)
        principals = []
        for role in IAM_ROLES:
            user = iam.create_user(UserName=f"ledger-local-{role.value}")["User"]
            keys = iam.create_access_key(UserName=user["UserName"])["AccessKey"]
            principal = Principal(
                role, user["Arn"], user["UserId"], keys["AccessKeyId"], keys["SecretAccessKey"]
            )
            secrets.create_secret(
                Name=principal_secret(role),
                SecretString=json.dumps(
                    {
                        "AWS_ACCESS_KEY_ID": principal.access_key_id,
                        "AWS_SECRET_ACCESS_KEY": principal.secret_access_key,
                    }
                ),
            )
            principals.append(principal)
        return cls(key, principals, region, routes)

    def principal_roles(self) -> dict[str, list[str]]:
        """What the functions are told (`IAM_PRINCIPAL_ROLES`): each principal's role."""
        return {p.user_arn: [p.role.value] for p in self.principals}

    def authorize(self, request: Incoming) -> dict[str, Any] | Refusal:
        """The authorizer context for the functions, or why the request is refused."""
        path = urlsplit(request.url).path
        route = next(
            (r for r, pattern in self._routes if _matches(r, pattern, request, path)), None
        )
        if route is None:
            # API Gateway answers a request no route matches itself, before any authorizer.
            return Refusal(404, None, "Not Found")
        if route.roles is None:
            return {}  # the document and the docs page: readable by anyone locally
        given = request.headers.get("authorization", "")
        if given.lower().startswith("bearer "):
            return self._token(given[7:].strip(), route)
        if given.startswith("AWS4-HMAC-SHA256 "):
            return self._signature(request, route)
        return Refusal(401, "unauthenticated", "no credentials: send a bearer token or sign")

    def _token(self, token: str, route: RouteInfo) -> dict[str, Any] | Refusal:
        try:
            claims = jwt.decode(
                token,
                self._public_key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.InvalidTokenError as refused:
            return Refusal(401, "unauthenticated", f"the token is not valid: {refused}")
        scopes = str(claims.get("scope", "")).split()
        if route.roles is not None:
            wanted = {f"{SCOPE_PREFIX}{role.value}" for role in route.roles}
            if wanted.isdisjoint(scopes):
                return Refusal(403, "forbidden", "the token has none of the route's scopes")
        return {"jwt": {"claims": {k: _claim(v) for k, v in claims.items()}, "scopes": scopes}}

    def _signature(self, request: Incoming, route: RouteInfo) -> dict[str, Any] | Refusal:
        parsed = _CREDENTIAL.match(request.headers.get("authorization", ""))
        if parsed is None:
            return Refusal(401, "unauthenticated", "the Authorization header is not SigV4")
        principal = self._principals.get(parsed["key"])
        if principal is None:
            return Refusal(403, "forbidden", "the security token included is invalid")
        refused = self._signed_by(principal, request, parsed)
        if refused is not None:
            return refused
        if route.roles is not None and principal.role not in route.roles:
            return Refusal(403, "forbidden", f"{principal.user_arn} may not invoke this route")
        return {
            "iam": {
                "accessKey": principal.access_key_id,
                "accountId": ACCOUNT,
                "callerId": principal.user_id,
                "principalOrgId": None,
                "userArn": principal.user_arn,
                "userId": principal.user_id,
            }
        }

    def _signed_by(
        self, principal: Principal, request: Incoming, parsed: re.Match[str]
    ) -> Refusal | None:
        """Why the signature is not `principal`'s, for this service and region, now."""
        if (parsed["service"], parsed["region"]) != (SERVICE, self.region):
            scope = f"{SERVICE} in {self.region}"
            return Refusal(403, "forbidden", f"credential should be scoped to {scope}")
        refused = _check_date(request.headers.get("x-amz-date", ""), parsed["date"])
        if refused is not None:
            return refused
        declared = request.headers.get("x-amz-content-sha256")
        if declared is not None and declared != hashlib.sha256(request.body).hexdigest():
            return Refusal(403, "forbidden", "the body is not the one the signature covers")
        expected = _expected_signature(request, principal, parsed, self.region)
        if not hmac.compare_digest(expected, parsed["signature"]):
            message = "the request signature we calculated does not match the signature you gave"
            return Refusal(403, "forbidden", message)
        return None


def token(
    private_key_pem: str, subject: str, role: Role, expires_in: int, now: float | None = None
) -> str:
    """A token the local stack accepts, for `subject` with the scope of `role`."""
    issued = int(time.time() if now is None else now)
    claims = {
        "iss": ISSUER,
        "sub": subject,
        "aud": AUDIENCE,
        "iat": issued,
        "nbf": issued,
        "exp": issued + expires_in,
        "jti": str(uuid.uuid4()),
        "scope": f"{SCOPE_PREFIX}{role.value}",
    }
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    return jwt.encode(claims, key, algorithm=ALGORITHM)  # type: ignore[arg-type]


def _claim(value: Any) -> Any:
    # API Gateway hands JWT claims to the function as strings.
    return (
        value
        if isinstance(value, str)
        else json.dumps(value)
        if isinstance(value, list | dict)
        else str(value)
    )


def _template(path: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^}]+\}", path)
    return re.compile("^" + "[^/]+".join(re.escape(p) for p in parts) + "$")


def _matches(route: RouteInfo, pattern: re.Pattern[str], request: Incoming, path: str) -> bool:
    return route.method == request.method and pattern.match(path) is not None


def _check_date(amz_date: str, scope_date: str) -> Refusal | None:
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return Refusal(403, "forbidden", "X-Amz-Date is missing or malformed")
    if signed_at.strftime("%Y%m%d") != scope_date:
        return Refusal(403, "forbidden", "X-Amz-Date does not match the credential's date")
    if abs(time.time() - signed_at.timestamp()) > MAX_SKEW_SECONDS:
        return Refusal(403, "forbidden", "signature expired: the request is dated too far away")
    return None


def _expected_signature(
    request: Incoming, principal: Principal, parsed: re.Match[str], region: str
) -> str:
    """The signature botocore's SigV4 signer makes of the request's signed headers."""
    signed = parsed["headers"].split(";")
    headers = {name: request.headers.get(name, "") for name in signed}
    aws_request = AWSRequest(
        method=request.method, url=request.url, data=request.body, headers=headers
    )
    aws_request.context["timestamp"] = request.headers.get("x-amz-date", "")
    signer = SigV4Auth(
        Credentials(principal.access_key_id, principal.secret_access_key), SERVICE, region
    )
    canonical = signer.canonical_request(aws_request)
    return str(signer.signature(signer.string_to_sign(aws_request, canonical), aws_request))
