"""Calling the running local stack as its users do: with a token of its issuer, or signed (SigV4)
with the keys of one of its IAM principals. For scripts, benchmarks and tests that use httpx."""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from application.callers import Role
from esctl.local_auth import ISSUER_SECRET, SERVICE, principal_secret, token


class Signed(httpx.Auth):
    """Signs each request with SigV4 (service `execute-api`), as awscurl or an SDK does."""

    requires_request_body = True

    def __init__(
        self, access_key_id: str, secret_access_key: str, region: str, service: str = SERVICE
    ) -> None:
        self._signer = SigV4Auth(Credentials(access_key_id, secret_access_key), service, region)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() not in ("connection", "accept-encoding", "user-agent", "accept")
        }
        signing = AWSRequest(
            method=request.method, url=str(request.url), data=request.content, headers=headers
        )
        self._signer.add_auth(signing)
        for name in ("Authorization", "X-Amz-Date"):
            request.headers[name] = signing.headers[name]
        yield request


class Bearer(httpx.Auth):
    def __init__(self, jwt: str) -> None:
        self.jwt = jwt

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.jwt}"
        yield request


def _secret(aws_url: str, name: str) -> str:
    import boto3

    secrets = boto3.client(
        "secretsmanager",
        endpoint_url=aws_url,
        region_name="eu-west-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return str(secrets.get_secret_value(SecretId=name)["SecretString"])


def principal_keys(aws_url: str, role: Role) -> dict[str, Any]:
    """`AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` of the local principal with `role`."""
    keys: dict[str, Any] = json.loads(_secret(aws_url, principal_secret(role)))
    return keys


def signed_as(aws_url: str, role: Role, region: str = "eu-west-1") -> Signed:
    keys = principal_keys(aws_url, role)
    return Signed(keys["AWS_ACCESS_KEY_ID"], keys["AWS_SECRET_ACCESS_KEY"], region)


def issuer_key(aws_url: str) -> str:
    """The local issuer's private key (PEM): what signs the tokens the local stack accepts."""
    return _secret(aws_url, ISSUER_SECRET)


def bearer(aws_url: str, subject: str, role: Role, expires_in: int = 3600) -> Bearer:
    return Bearer(token(issuer_key(aws_url), subject, role, expires_in))
