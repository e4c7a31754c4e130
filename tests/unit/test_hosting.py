"""Hosting domains: descriptors are checked, catalogues refuse domains that would collide, and a
host runs a catalogue on memory exactly as on AWS (services, read models, routes)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from application.callers import Caller, Role
from application.requests import Request
from domains.accounts.domain import ACCOUNTS
from eventcore.events import EventRegistry
from eventcore.integration import IntegrationFeed
from eventcore.read_models import ReadModel
from handlers.settings import Settings
from hosting.catalogue import Catalogue
from hosting.domain import Domain
from hosting.host import Host
from hosting.memory import InMemoryInfrastructure
from httpkernel.auth import Authentication
from tests.counters import COUNTERS, CounterCodec, decider, registry
from tests.http import http_event


def counters(**changes: Any) -> Domain[Any]:
    domain: Domain[Any] = Domain(
        name="counters",
        category="Counter",
        registry=registry,
        decider=decider,
        codec=CounterCodec(),
        service=lambda platform: platform,
        read_models=(COUNTERS,),
    )
    return dataclasses.replace(domain, **changes)


def test_a_catalogue_finds_the_domain_of_a_stream() -> None:
    catalogue = Catalogue([ACCOUNTS, counters()])
    assert catalogue.for_stream("Counter-7") is catalogue.domains[1]
    assert catalogue.for_stream("Account-7f1c2a9e-4b1d") is ACCOUNTS
    assert catalogue.for_stream("Order-1") is None
    assert catalogue.read_model("counters") == (catalogue.domains[1], COUNTERS)
    assert catalogue.sources() == ["ledger.accounts"]


@pytest.mark.parametrize(
    ("clash", "message"),
    [
        ({"name": "accounts"}, "domain name accounts"),
        ({"category": "Account"}, "category Account"),
        ({"read_models": (dataclasses.replace(COUNTERS, name="accounts"),)}, "read model"),
        ({"integration": IntegrationFeed("ledger.accounts")}, "integration source"),
        ({"registry": ACCOUNTS.registry}, "event type"),
    ],
)
def test_a_catalogue_refuses_domains_that_collide(clash: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Catalogue([ACCOUNTS, counters(**clash)])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"category": "counter"}, "capitalised"),
        ({"category": "Count-er"}, "capitalised"),
        ({"name": "Counters"}, "domain name"),
        ({"snapshot_every": 0}, "at least 1"),
        ({"read_models": ()}, "declare a read model"),
    ],
)
def test_a_descriptor_is_checked_when_declared(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        counters(**changes)
    assert counters(read_models=(), snapshot_every=None).read_models == ()


def test_read_models_and_feeds_are_checked_when_declared() -> None:
    with pytest.raises(ValueError, match="read model name"):
        ReadModel("Counters", "counter_id", COUNTERS.projection, COUNTERS.codec)
    with pytest.raises(ValueError, match="key"):
        ReadModel("counters", "version", COUNTERS.projection, COUNTERS.codec)
    with pytest.raises(ValueError, match="aws"):
        IntegrationFeed("aws.ledger")
    with pytest.raises(ValueError, match="catalogue needs"):
        Catalogue([])
    assert EventRegistry().models() == []


def test_settings_find_every_read_models_tables() -> None:
    settings = Settings.from_env(
        {
            "EVENTS_TABLE": "e",
            "IDEMPOTENCY_TABLE": "i",
            "PROJECTIONS_TABLE": "p",
            "SNAPSHOT_BUCKET": "b",
            "ACCOUNTS_TABLE_BLUE": "a-blue",
            "ACCOUNTS_TABLE_GREEN": "a-green",
            "ORDER_LINES_TABLE_BLUE": "o-blue",
            "ORDER_LINES_TABLE_GREEN": "o-green",
        }
    )
    assert settings.read_model_tables == {
        "accounts": {"blue": "a-blue", "green": "a-green"},
        "order_lines": {"blue": "o-blue", "green": "o-green"},
    }
    assert settings.snapshot_every is None


def test_the_accounts_run_on_memory_through_their_service_and_their_routes() -> None:
    roles = {"arn:aws:iam::1:user/teller": frozenset({Role.OPERATOR})}
    host = Host(
        Catalogue([ACCOUNTS]),
        InMemoryInfrastructure(),
        authentication=lambda: Authentication(iam_roles=roles),
    )
    ledger = host.service("accounts")
    teller = Caller.of("arn:aws:iam::1:user/teller", {Role.OPERATOR})
    opened = ledger.open_account("Ada", "EUR", Request("open-1", "f1", teller))
    account = opened.body["account_id"]
    ledger.deposit(account, 250, Request("deposit-1", "f2", teller))
    assert ledger.views.get(account) is None  # read models catch up when asked, as on AWS
    host.catch_up()
    assert ledger.account(account, teller).balance == 250
    event = http_event("GET", f"/accounts/{account}", actor=teller.actor)
    reply = host.http_app.handle(event, None, frozenset({"GET"}))  # type: ignore[arg-type]
    assert (reply["statusCode"], json.loads(reply["body"])["balance"]) == (200, 250)
    # Services and views are built once per host, as per warm container.
    assert host.service("accounts") is ledger


def _routes_with(**route: Any) -> Any:
    from httpkernel.routing import DomainRouter

    def routes(_: Any) -> DomainRouter:
        router = DomainRouter()
        options = {
            "operation_id": "countUp",
            "summary": "Count up",
            "description": "Adds one.",
            "tags": ["counters"],
            **route,
        }
        path = options.pop("path", "/counters/<counter_id>")
        if options.pop("roles", True):
            router.command(path, roles=[Role.OPERATOR], **options)(lambda counter_id: {})
        else:
            router.post(path, **options)(lambda counter_id: {})
        return router

    return routes


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ({"operation_id": None}, "give the route an operation_id"),
        ({"summary": None}, "give the route a summary"),
        ({"description": None}, "give the route a description"),
        ({"tags": ["accounts"]}, "tag it"),
        ({"tags": None}, "tag it"),
        ({"operation_id": "deposit"}, "operationId deposit is also"),
        ({"path": "/accounts/<account_id>/deposits"}, "also declared by accounts"),
        ({"path": "/openapi.json"}, "also declared by the kernel"),
        ({"roles": False}, "the roles that may use it"),
    ],
)
def test_routes_that_the_stack_could_not_serve_as_declared_fail_the_synth(
    route: dict[str, Any], message: str
) -> None:
    from hosting.routes import RouteProblem, route_keys

    catalogue = Catalogue([ACCOUNTS, counters(routes=_routes_with(**route))])
    with pytest.raises(RouteProblem, match=message):
        route_keys(catalogue)


def test_well_declared_routes_are_routed() -> None:
    from hosting.routes import route_keys

    keys = route_keys(Catalogue([ACCOUNTS, counters(routes=_routes_with())]))
    assert ("POST", "/counters/{counter_id}") in keys
    assert keys[-2:] == [("GET", "/openapi.json"), ("GET", "/docs")]
