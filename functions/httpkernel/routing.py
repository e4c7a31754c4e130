"""What a domain registers its routes on: a Powertools router that reads the current request as
the kernel does."""

from __future__ import annotations

from typing import cast

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from pydantic import BaseModel

from application.requests import Request
from httpkernel.requests import command_request


class DomainRouter(Router):
    """A domain's routes. Included in the kernel's resolver (an HTTP API one), it sees that
    resolver's current event."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]

    @property
    def event(self) -> APIGatewayProxyEventV2:
        return cast(APIGatewayProxyEventV2, self.current_event)

    def command_request(self, body: BaseModel | None) -> Request:
        """The current request as a command (key, fingerprint, caller, If-Match), or a 400."""
        return command_request(self.event, body)
