"""The composition root: every Lambda function's dependencies, built from the installed domains.

Nothing here runs at import time but the HTTP routes' registration: clients, tables and services
are built on first use and kept for the container's life. Tests and the local stack install a
host of their own (`use`), over moto or memory, with the domains they choose.
"""

from __future__ import annotations

import dataclasses
import threading
from functools import cache
from typing import TYPE_CHECKING, Any

from application.requests import Clock
from handlers.aws_infrastructure import AwsInfrastructure
from handlers.settings import Settings
from handlers.snapshot_alarms import snapshot_failed, snapshot_rejected
from hosting.host import Host, utc_now
from httpkernel.openapi import ApiInfo
from installed_domains import DOMAINS

if TYPE_CHECKING:
    from adapters.integration_bus_eventbridge import EventBridgePublisher
    from hosting.catalogue import Catalogue

API = ApiInfo(
    title="Ledger API",
    version="1.0.0",
    description="An event-sourced ledger: every change is an event, kept forever.",
)


class _Container:
    host: Host | None = None
    publisher: EventBridgePublisher | None = None
    # The local stack's threads share these; each is built once.
    lock = threading.Lock()


@cache
def settings() -> Settings:
    return Settings.from_env()


@cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    # Standard retry mode backs off on throttling; what still fails becomes a 503 for the client.
    config = Config(
        retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5
    )
    return boto3.client(service, config=config)


def api_info() -> ApiInfo:
    return dataclasses.replace(API, authorization=settings().api_authorization)


def aws_host(catalogue: Catalogue = DOMAINS, clock: Clock = utc_now) -> Host:
    """The domains on the AWS resources the settings name (the real ones, or moto's)."""
    return Host(
        catalogue,
        AwsInfrastructure(settings, client),
        clock=clock,
        api=api_info,
        authentication=lambda: settings().authentication(),
        snapshot_rejected=snapshot_rejected,
        snapshot_failed=snapshot_failed,
    )


def host() -> Host:
    current = _Container.host
    if current is None:
        with _Container.lock:
            if _Container.host is None:
                _Container.host = aws_host()
            current = _Container.host
    return current


def use(replacement: Host | None) -> None:
    """Install a host (tests, the local stack), or None to build from settings again."""
    _Container.host = replacement
    _Container.publisher = None


def aws() -> AwsInfrastructure:
    infrastructure = host().infrastructure
    if not isinstance(infrastructure, AwsInfrastructure):
        raise TypeError("this host does not run on AWS resources")
    return infrastructure


def publisher() -> EventBridgePublisher:
    current = _Container.publisher
    if current is None:
        infrastructure = aws()  # outside the lock, which host() takes
        with _Container.lock:
            if _Container.publisher is None:
                _Container.publisher = infrastructure.publisher()
            current = _Container.publisher
    return current


def use_publisher(replacement: EventBridgePublisher | None) -> None:
    _Container.publisher = replacement
