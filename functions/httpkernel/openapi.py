"""What the OpenAPI document says about the API as a whole: its title, its tags, and the security
schemes the API enforces (IAM SigV4 or a JWT authorizer, as the stack configures it; both locally).

Powertools' OpenAPI models are imported only when a document is made: the functions' cold starts
never need them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Authorization = Literal["iam", "jwt"]

SIGV4 = "sigv4"
JWT = "jwt"


@dataclass(frozen=True)
class ApiInfo:
    title: str
    version: str
    description: str = ""
    # One tag per domain: (name, description).
    tags: tuple[tuple[str, str], ...] = ()
    # What the gateway checks before a request reaches the functions: any one of these.
    authorization: tuple[Authorization, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def document_options(self) -> dict[str, Any]:
        """Keyword arguments of Powertools' `get_openapi_json_schema` and `enable_swagger`."""
        from aws_lambda_powertools.event_handler.openapi.models import Tag

        options: dict[str, Any] = {
            "title": self.title,
            "version": self.version,
            "tags": [Tag(name=name, description=text or None) for name, text in self.tags],
        }
        if self.description:
            options["description"] = self.description
        if self.authorization:
            schemes = {(SIGV4 if a == "iam" else JWT): _scheme(a) for a in self.authorization}
            options["security_schemes"] = schemes
            # Alternatives: a request may satisfy any one of them.
            options["security"] = [{scheme: []} for scheme in schemes]
        return options


def _scheme(authorization: Authorization) -> Any:
    from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, HTTPBearer

    if authorization == "iam":
        # How API Gateway's own OpenAPI exports describe IAM authorization.
        return APIKey.model_validate(
            {
                "name": "Authorization",
                "in": APIKeyIn.header,
                "description": "AWS Signature Version 4, service `execute-api`, by a principal"
                " allowed execute-api:Invoke on the route",
                "openapi_extensions": {"x-amazon-apigateway-authtype": "awsSigv4"},
            }
        )
    return HTTPBearer(
        bearerFormat="JWT",
        description="a JWT from the stack's issuer, for one of its audiences",
    )
