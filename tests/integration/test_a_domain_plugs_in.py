"""A team's own aggregate on the platform, with nothing outside this file changed.

An order (placed, items added, paid from an account, shipped or cancelled) is declared here as a
`Domain` and hosted beside the accounts on moto: its routes go through the HTTP entry points,
paying writes the order and the account in one TransactWriteItems, and the projector, the
snapshot writer and the publisher route its records by category into its own read model, its
own snapshots and its own integration source.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NamedTuple

import boto3
import pytest
from moto import mock_aws
from pydantic import Field

from application.callers import Role
from application.requests import Outcome
from bench.aws import Requests
from domains.accounts.commands import Withdraw
from domains.accounts.decider import decide as decide_account
from domains.accounts.decider import stream_id as account_stream
from domains.accounts.domain import ACCOUNTS
from eventcore import categories
from eventcore.aggregates import AnyLoaded
from eventcore.decider import Decider
from eventcore.errors import DomainError, NotFound
from eventcore.events import Event, EventRegistry
from eventcore.integration import IntegrationEvent, IntegrationFeed
from eventcore.read_models import ReadModel
from handlers import bootstrap, projector, publisher
from hosting.catalogue import Catalogue
from hosting.domain import Domain
from hosting.platform import Platform
from httpkernel.models import Body
from httpkernel.params import IdempotencyKey
from httpkernel.responses import COMMAND_ERRORS, json_response, outcome_response, responses
from httpkernel.routing import DomainRouter
from tests.http import PRINCIPAL_ROLES, Reply, call, http_event

# ---- the order domain, as a team would write it ----------------------------------------------

registry = EventRegistry()
Money = Annotated[int, Field(ge=1, le=10**9, strict=True)]


@registry.register
class OrderPlaced(Event):
    type: Literal["OrderPlaced"] = "OrderPlaced"
    schema_version: Literal[1] = 1
    customer: str


@registry.register
class ItemAdded(Event):
    type: Literal["ItemAdded"] = "ItemAdded"
    schema_version: Literal[1] = 1
    sku: str
    qty: Money
    price: Money


@registry.register
class OrderPaid(Event):
    type: Literal["OrderPaid"] = "OrderPaid"
    schema_version: Literal[1] = 1
    account_id: str
    amount: Money


class Order(NamedTuple):
    status: str = "none"
    customer: str = ""
    items: tuple[tuple[str, int, int], ...] = ()

    @property
    def total(self) -> int:
        return sum(qty * price for _, qty, price in self.items)


class OrderNotFound(NotFound):
    pass


class OrderNotOpen(DomainError):
    code = "order_not_open"


@dataclass(frozen=True)
class Place:
    customer: str


@dataclass(frozen=True)
class AddItem:
    sku: str
    qty: int
    price: int


def decide(command: Place | AddItem, order: Order) -> Sequence[Event]:
    if isinstance(command, Place):
        return [OrderPlaced(customer=command.customer)]
    if order.status == "none":
        raise OrderNotFound("no such order")
    if order.status != "open":
        raise OrderNotOpen(f"the order is {order.status}")
    return [ItemAdded(sku=command.sku, qty=command.qty, price=command.price)]


def evolve(order: Order, event: Event) -> Order:
    if isinstance(event, OrderPlaced):
        return Order("open", event.customer)
    if isinstance(event, ItemAdded):
        return order._replace(items=(*order.items, (event.sku, event.qty, event.price)))
    if isinstance(event, OrderPaid):
        return order._replace(status="paid")
    raise TypeError(event)


class OrderCodec:
    schema_version = 1

    def dump(self, state: Order) -> dict[str, Any]:
        return {"status": state.status, "customer": state.customer, "items": state.items}

    def load(self, data: dict[str, Any]) -> Order:
        items = tuple((sku, qty, price) for sku, qty, price in data["items"])
        return Order(data["status"], data["customer"], items)


@dataclass(frozen=True)
class OrderView:
    order_id: str
    customer: str
    status: str
    items: list[dict[str, Any]]
    total: int
    version: int


def project(view: OrderView | None, stream: str, event: Event) -> OrderView:
    order_id = categories.entity_id_of(stream)
    if view is None:
        assert isinstance(event, OrderPlaced)
        return OrderView(order_id, event.customer, "open", [], 0, 1)
    version = view.version + 1
    if isinstance(event, ItemAdded):
        item = {"sku": event.sku, "qty": event.qty, "price": event.price}
        total = view.total + event.qty * event.price
        return OrderView(order_id, view.customer, view.status, [*view.items, item], total, version)
    if isinstance(event, OrderPaid):
        return OrderView(order_id, view.customer, "paid", view.items, view.total, version)
    raise ValueError(event)


class OrderViewCodec:
    def dump(self, view: OrderView) -> dict[str, Any]:
        return dict(vars(view))

    def load(self, data: dict[str, Any]) -> OrderView:
        return OrderView(**data)


ORDERS_VIEW: ReadModel[OrderView] = ReadModel("orders", "order_id", project, OrderViewCodec())


class OrderEvent(IntegrationEvent):
    order_id: str


def stream_of(order_id: str) -> str:
    return categories.stream_id("Order", order_id)


class Orders:
    """The order domain's use cases."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def place(self, customer: str, request: Any) -> Outcome:
        order_id = self.platform.new_id()
        return self.platform.commands.run(
            request,
            [stream_of(order_id)],
            lambda s: [decide(Place(customer), s[0].state)],
            lambda after: Outcome(201, {"order_id": order_id, "version": after[0].version}),
        )

    def add_item(self, order_id: str, item: AddItem, request: Any) -> Outcome:
        return self.platform.commands.run(
            request,
            [stream_of(order_id)],
            lambda s: [decide(item, s[0].state)],
            lambda after: Outcome(201, {"order_id": order_id, "total": after[0].state.total}),
        )

    def pay(self, order_id: str, account_id: str, request: Any) -> Outcome:
        """The order paid and the account debited: two categories, one atomic write."""

        def both(states: tuple[AnyLoaded, ...]) -> Sequence[Sequence[Event]]:
            order, account = states
            if order.state.status != "open":
                raise OrderNotOpen(f"the order is {order.state.status}")
            total = order.state.total
            paid = OrderPaid(account_id=account_id, amount=total)
            return [[paid], decide_account(Withdraw(total), account.state)]

        def respond(after: tuple[AnyLoaded, ...]) -> Outcome:
            body = {"order_id": order_id, "status": "paid", "balance": after[1].state.balance}
            return Outcome(201, body)

        streams = [stream_of(order_id), account_stream(account_id)]
        return self.platform.commands.run(request, streams, both, respond)

    def get(self, order_id: str) -> OrderView:
        view = self.platform.views("orders").get(order_id)
        if view is None:
            raise OrderNotFound(f"order {order_id} does not exist")
        return view  # type: ignore[no-any-return]


class PlaceBody(Body):
    customer: str


class ItemBody(Body):
    sku: str
    qty: int
    price: int


class PayBody(Body):
    account_id: str


def routes(orders: Callable[[], Orders]) -> DomainRouter:
    router = DomainRouter()

    @router.command(
        "/orders",
        roles=[Role.CUSTOMER, Role.OPERATOR],
        operation_id="placeOrder",
        summary="Place an order",
        description="An empty order for a customer.",
        tags=["orders"],
    )
    def place(body: PlaceBody, idempotency_key: IdempotencyKey) -> Any:
        return outcome_response(orders().place(body.customer, router.command_request(body)))

    @router.command(
        "/orders/<order_id>/items",
        roles=[Role.CUSTOMER, Role.OPERATOR],
        operation_id="addItem",
        summary="Add an item",
        description="One more line on an open order.",
        tags=["orders"],
        responses=responses(201, dict, *COMMAND_ERRORS),
    )
    def add_item(order_id: str, body: ItemBody, idempotency_key: IdempotencyKey) -> Any:
        item = AddItem(body.sku, body.qty, body.price)
        return outcome_response(orders().add_item(order_id, item, router.command_request(body)))

    @router.command(
        "/orders/<order_id>/pay",
        roles=[Role.CUSTOMER, Role.OPERATOR],
        operation_id="payOrder",
        summary="Pay an order",
        description="Debits the order's total from a ledger account, with the order, at once.",
        tags=["orders"],
    )
    def pay(order_id: str, body: PayBody, idempotency_key: IdempotencyKey) -> Any:
        request = router.command_request(body)
        return outcome_response(orders().pay(order_id, body.account_id, request))

    @router.query(
        "/orders/<order_id>",
        roles=[Role.CUSTOMER, Role.OPERATOR, Role.AUDITOR],
        operation_id="getOrder",
        summary="Get an order",
        description="The order from its read model.",
        tags=["orders"],
    )
    def get_order(order_id: str) -> Any:
        view = orders().get(order_id)
        return json_response(200, vars(view), view.version)

    return router


ORDERS: Domain[Orders] = Domain(
    name="orders",
    category="Order",
    registry=registry,
    decider=Decider(Order(), evolve, decide),
    codec=OrderCodec(),
    service=Orders,
    routes=routes,
    read_models=(ORDERS_VIEW,),
    integration=IntegrationFeed(
        "shop.orders", OrderEvent, lambda stream: {"order_id": categories.entity_id_of(stream)}
    ),
    snapshot_every=2,
    description="Orders, paid from ledger accounts",
)

# ---- hosting it on moto ----------------------------------------------------------------------


@pytest.fixture
def hosted(monkeypatch: pytest.MonkeyPatch) -> Iterator[Catalogue]:
    from esctl.provision import provision, provision_integration

    catalogue = Catalogue([ACCOUNTS, ORDERS])
    with mock_aws():
        env = provision(
            boto3.client("dynamodb"), boto3.client("s3"), boto3.client("kms"), catalogue
        )
        env |= provision_integration(boto3.client("events"), boto3.client("sqs"), catalogue)
        env["IAM_PRINCIPAL_ROLES"] = json.dumps(PRINCIPAL_ROLES)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        bootstrap.settings.cache_clear()
        bootstrap.client.cache_clear()
        bootstrap.use(bootstrap.aws_host(catalogue))
        yield catalogue
        bootstrap.use(None)
        bootstrap.settings.cache_clear()
        bootstrap.client.cache_clear()


def post(path: str, body: Any) -> Reply:
    return call(http_event("POST", path, body))


def stream_records() -> list[dict[str, Any]]:
    from esctl.stream_records import StreamReader, stream_arn

    arn = stream_arn(boto3.client("dynamodb"), bootstrap.settings().events_table)
    return StreamReader(boto3.client("dynamodbstreams"), arn, "eu-west-1").poll()


def a_paid_order() -> tuple[str, str]:
    account = post("/accounts", {"owner": "Ada", "currency": "EUR"}).json["account_id"]
    assert post(f"/accounts/{account}/deposits", {"amount": 1000}).status == 201
    order = post("/orders", {"customer": "Ada"}).json["order_id"]
    assert post(f"/orders/{order}/items", {"sku": "bread", "qty": 1, "price": 300}).status == 201
    added = post(f"/orders/{order}/items", {"sku": "jam", "qty": 2, "price": 100})
    assert (added.status, added.json["total"]) == (201, 500)
    with Requests(bootstrap.client("dynamodb"), bootstrap.client("s3")) as requests:
        paid = post(f"/orders/{order}/pay", {"account_id": account})
        calls = requests.take()
    assert (paid.status, paid.json) == (201, {"order_id": order, "status": "paid", "balance": 500})
    # Warm: the order and the account were cached, so the one request is the write of both
    # commits and the receipt.
    assert dict(calls) == {"TransactWriteItems": 1}
    return order, account


def test_its_commands_write_its_streams_and_an_account_atomically(hosted: Catalogue) -> None:
    order, account = a_paid_order()
    table = bootstrap.settings().events_table
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    paid = [i for i in items if "OrderPaid" in i["events"]["S"]]
    debit = [i for i in items if "Withdrawn" in i["events"]["S"]]
    assert [i["pk"]["S"] for i in paid] == [f"Order-{order}"]
    assert [i["pk"]["S"] for i in debit] == [f"Account-{account}"]
    assert paid[0]["command_id"] == debit[0]["command_id"]  # one command, one write
    again = post(f"/orders/{order}/pay", {"account_id": account})
    assert (again.status, again.json["error"]) == (409, "order_not_open")
    assert (
        call(http_event("GET", f"/accounts/{account}", query={"consistency": "strong"})).json[
            "balance"
        ]
        == 500
    )


def test_its_records_reach_its_read_model_snapshots_and_source(hosted: Catalogue) -> None:
    order, account = a_paid_order()
    records = stream_records()
    assert projector.handler({"Records": records}, _context("projector")) == {
        "batchItemFailures": []
    }
    view = call(http_event("GET", f"/orders/{order}"))
    assert (view.status, view.headers["etag"]) == (200, '"4"')
    assert view.json == {
        "order_id": order,
        "customer": "Ada",
        "status": "paid",
        "items": [
            {"sku": "bread", "qty": 1, "price": 300},
            {"sku": "jam", "qty": 2, "price": 100},
        ],
        "total": 500,
        "version": 4,
    }
    assert call(http_event("GET", f"/accounts/{account}")).json["balance"] == 500
    accounts_table = bootstrap.settings().read_model_tables["accounts"]["blue"]
    keys = boto3.client("dynamodb").scan(TableName=accounts_table)["Items"]
    assert [k["account_id"]["S"] for k in keys] == [account]  # nothing of the order there

    snapshots = boto3.client("s3").list_objects_v2(Bucket=bootstrap.settings().snapshot_bucket)
    order_keys = sorted(o["Key"] for o in snapshots["Contents"] if "Order-" in o["Key"])
    folder = f"snapshots/Order-{order}/"
    assert order_keys == [
        f"{folder}000000000002.json",
        f"{folder}000000000004.json",
        f"{folder}latest.json",
    ]
    bootstrap.use(bootstrap.aws_host(hosted))  # a cold container folds from the snapshot
    assert bootstrap.host().aggregates.load(f"Order-{order}").state.total == 500

    assert publisher.handler({"Records": records}, _context("publisher")) == {
        "batchItemFailures": []
    }
    delivered = _drain_example_queue()
    orders = [e for e in delivered if e["source"] == "shop.orders"]
    assert [e["detail-type"] for e in orders] == [
        "OrderPlaced",
        "ItemAdded",
        "ItemAdded",
        "OrderPaid",
    ]
    assert {e["detail"]["order_id"] for e in orders} == {order}
    ledger = {e["detail-type"] for e in delivered if e["source"] == "ledger.accounts"}
    assert ledger == {"AccountOpened", "Deposited", "Withdrawn"}


def test_its_routes_are_what_the_stack_would_route(hosted: Catalogue) -> None:
    from hosting.routes import route_keys

    keys = route_keys(hosted)
    assert {
        ("POST", "/orders"),
        ("POST", "/orders/{order_id}/items"),
        ("POST", "/orders/{order_id}/pay"),
        ("GET", "/orders/{order_id}"),
        ("POST", "/accounts/{account_id}/deposits"),
    } <= set(keys)


def test_its_routes_are_in_the_openapi_document_under_its_tag(hosted: Catalogue) -> None:
    document = call(http_event("GET", "/openapi.json")).json
    operations = {
        op["operationId"]: (path, op["tags"])
        for path, item in document["paths"].items()
        for op in item.values()
    }
    assert operations["placeOrder"] == ("/orders", ["orders"])
    assert operations["getOrder"] == ("/orders/{order_id}", ["orders"])
    assert operations["deposit"][1] == ["accounts"]
    assert {t["name"] for t in document["tags"]} == {"accounts", "orders"}


def _context(name: str) -> Any:
    from esctl.http_gateway import LambdaContext

    return LambdaContext(function_name=name)


def _drain_example_queue() -> list[dict[str, Any]]:
    from esctl.provision import example_queue_name

    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=example_queue_name("local"))["QueueUrl"]
    events = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in messages:
            events.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return sorted(events, key=lambda e: (e["detail"]["stream_id"], e["detail"]["version"]))
