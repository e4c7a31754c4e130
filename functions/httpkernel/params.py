"""Request parameters shared by every domain's routes, as the OpenAPI document declares them."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Header

from httpkernel.requests import IDEMPOTENCY_KEY_PATTERN, IF_MATCH_PATTERN

# Declared for the OpenAPI document; `command_request` reads and checks them (400, not 422).
IdempotencyKey = Annotated[
    str,
    Header(
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="1-128 visible characters (optionally quoted), one per intended effect",
    ),
]
# "*" (any version) is HTTP's meaning of an absent If-Match, so it is the documented default.
IfMatch = Annotated[
    str,
    Header(pattern=IF_MATCH_PATTERN, description='the ETag you expect, e.g. "3"'),
]
