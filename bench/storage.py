"""`storage_per_event`: what keeping every change forever takes, in bytes and in write units.

Commands go through the command Lambda's entry point over the stack in moto, as in
`requests_per_command`: two accounts opened, 100 deposits and a withdrawal on one, a transfer
between them. Every item they write is taken from the requests as botocore receives them
(`before-parameter-build`), so what is measured is exactly what DynamoDB would store. The
projector then projects the commits (`handlers.stream_batch.process`, as in
`projector_writes_per_batch`), and its view items and snapshot objects are measured the same
way.

Item sizes follow DynamoDB's published rules (attribute names plus values; a number takes one
byte per two significant digits plus one). Storage adds 100 bytes per item for indexing, also
per those rules. A write costs one write unit per started KB, two inside a transaction.
"""

from __future__ import annotations

import json
import math
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from adapters.commit_item import Item
from bench.aws import Stack, handlers_on
from bench.core import Benchmark, Context, Result
from bench.lambda_events import http_post, stream_record
from bench.projector_writes import projector_on
from esctl.http_gateway import LambdaContext
from eventcore.commits import Commit
from handlers.stream_batch import process

KEY = "storage_per_event"
DEPOSITS = 100  # enough for the projector to write one snapshot
KB = 1024
INDEX_OVERHEAD = 100  # bytes DynamoDB adds to every stored item
GB = 10**9


def item_bytes(item: Item) -> int:
    """An item's size by DynamoDB's rules (see the AWS guide, "Item sizes and formats")."""
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())


def _value_bytes(value: dict[str, Any]) -> int:
    ((kind, content),) = value.items()
    if kind == "S":
        return len(content.encode())
    if kind == "N":
        digits = content.lstrip("-").replace(".", "").strip("0")
        return (len(digits) + 1) // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + _value_bytes(v) + 1 for k, v in content.items())
    if kind == "L":
        return 3 + sum(_value_bytes(v) + 1 for v in content)
    raise ValueError(f"no size rule here for attribute type {kind}")


def write_units(size: int, *, transactional: bool) -> int:
    return math.ceil(size / KB) * (2 if transactional else 1)


class Written:
    """The items a DynamoDB client sends, by table, and the objects an S3 client puts."""

    def __init__(self, dynamodb: Any, s3: Any | None = None) -> None:
        self.items: dict[str, list[Item]] = defaultdict(list)
        self.objects: list[tuple[str, int]] = []
        hook = "before-parameter-build"
        dynamodb.meta.events.register(f"{hook}.dynamodb.PutItem", self._put)
        dynamodb.meta.events.register(f"{hook}.dynamodb.TransactWriteItems", self._transact)
        if s3 is not None:
            s3.meta.events.register(f"{hook}.s3.PutObject", self._object)

    def _put(self, params: dict[str, Any], **_: Any) -> None:
        self.items[params["TableName"]].append(params["Item"])

    def _transact(self, params: dict[str, Any], **_: Any) -> None:
        for action in params["TransactItems"]:
            if "Put" in action:
                self._put(action["Put"])

    def _object(self, params: dict[str, Any], **_: Any) -> None:
        self.objects.append((params["Key"], len(params["Body"])))


# The longest values the API lets into a commit: an owner of 100 four-byte characters, a
# 128-character Idempotency-Key (the commit's command id) and X-Correlation-Id, and an
# assumed-role ARN with a 64-character role name and session name.
WORST_KEY_PREFIX = "worst-"
WORST_OWNER = "\U0001d538" * 100
# A session of the longest role (whose principal the bench's configuration maps to operator).
WORST_ACTOR = "arn:aws:sts::123456789012:assumed-role/" + "r" * 64 + "/" + "s" * 64


def _command(path: str, body: dict[str, Any], *, worst: bool = False) -> dict[str, Any]:
    from handlers import commands

    event = http_post(path, body)
    if worst:
        key = WORST_KEY_PREFIX + str(uuid.uuid4())
        event["headers"]["idempotency-key"] = key + "k" * (128 - len(key))
        event["headers"]["x-correlation-id"] = "c" * 128
        event["requestContext"]["authorizer"]["iam"]["userArn"] = WORST_ACTOR
    response = commands.handler(event, LambdaContext())
    if response["statusCode"] != 201:
        raise AssertionError(f"{path} answered {response['statusCode']}: {response['body']}")
    answer: dict[str, Any] = json.loads(response["body"])
    return answer


def _run_commands(stack: Stack) -> tuple[Written, list[str]]:
    from handlers import bootstrap

    written = Written(bootstrap.client("dynamodb"))
    owner = {"owner": "Ada Lovelace", "currency": "EUR"}
    accounts = [_command("/accounts", owner)["account_id"] for _ in range(2)]
    for n in range(DEPOSITS):
        _command(f"/accounts/{accounts[0]}/deposits", {"amount": 1_000 + n})
    _command(f"/accounts/{accounts[0]}/withdrawals", {"amount": 2_500})
    _command("/transfers", {"from_account": accounts[0], "to_account": accounts[1], "amount": 99})
    owner = {"owner": WORST_OWNER, "currency": "EUR"}
    worst = [_command("/accounts", owner, worst=True)["account_id"] for _ in range(2)]
    most = {"amount": 10**12}
    for _ in range(2):
        _command(f"/accounts/{worst[0]}/deposits", most, worst=True)
    _command(f"/accounts/{worst[0]}/withdrawals", most, worst=True)
    _command("/transfers", {"from_account": worst[0], "to_account": worst[1], **most}, worst=True)
    return written, accounts


def _commit_type(item: Item) -> str:
    return str(json.loads(item["events"]["S"])[0]["type"])


def _worst(key: str) -> bool:
    # A commit's command id is the request's Idempotency-Key; a receipt's key ends with it.
    return key.startswith(WORST_KEY_PREFIX) or f"\n{WORST_KEY_PREFIX}" in key


def _largest_by_type(commits: Iterable[Item]) -> dict[str, int]:
    by_type: dict[str, list[int]] = defaultdict(list)
    for item in commits:
        by_type[_commit_type(item)].append(item_bytes(item))
    return {kind: max(sizes) for kind, sizes in sorted(by_type.items())}


def _project(stack: Stack, accounts: list[str]) -> Written:
    store = stack.event_store()
    commits: list[Commit] = []
    for account in accounts:
        commits.extend(store.read(f"Account-{account}"))
    records = [stream_record(c, 2_000_000 + n) for n, c in enumerate(commits)]
    written = Written(stack.dynamodb, stack.s3)
    host = projector_on(stack)
    for start in range(0, len(records), 100):
        report = process(records[start : start + 100], host.project)
        if report.failures:
            raise AssertionError(f"projection failed for {report.failures}")
    return written


def run(context: Context) -> Result:
    # A fresh, empty stack: moto's TransactWriteItems copies the whole table, so over the
    # shared one (10,000-event histories) these 104 commands took two minutes, not two seconds.
    context.close()
    stack = context.stack()
    settings = stack.settings
    with handlers_on(stack):
        commands, accounts = _run_commands(stack)
    projected = _project(stack, accounts)

    commits = commands.items[settings.events_table]
    receipts = commands.items[settings.idempotency_table]
    commit_bytes = _largest_by_type(c for c in commits if not _worst(c["command_id"]["S"]))
    worst_bytes = _largest_by_type(c for c in commits if _worst(c["command_id"]["S"]))
    receipt_bytes = max(item_bytes(i) for i in receipts if not _worst(i["pk"]["S"]))
    worst_receipt = max(item_bytes(i) for i in receipts if _worst(i["pk"]["S"]))
    # Each command's transaction: its commits and its receipt, two units per started KB each.
    worst_commits = {
        "open": ["AccountOpened"],
        "deposit": ["Deposited"],
        "withdrawal": ["Withdrawn"],
        "transfer": ["TransferCreated", "TransferSent", "TransferReceived"],
    }
    worst_units = {
        command: sum(write_units(worst_bytes[kind], transactional=True) for kind in kinds)
        + write_units(worst_receipt, transactional=True)
        for command, kinds in worst_commits.items()
    }
    # The views live in whichever blue/green slot table is active: any item keyed by account.
    views = [i for items in projected.items.values() for i in items if "account_id" in i]
    view_bytes = max(item_bytes(i) for i in views)
    snapshot_bytes = max((size for key, size in projected.objects), default=0)
    deposit = commit_bytes["Deposited"]
    stored_per_deposit = deposit + INDEX_OVERHEAD
    deposit_units = write_units(deposit, transactional=True) + write_units(
        receipt_bytes, transactional=True
    )
    largest = max(*commit_bytes.values(), receipt_bytes)
    passed = largest <= KB
    return Result(
        key=KEY,
        inputs={
            "commands": f"2 opens, {DEPOSITS} deposits, 1 withdrawal, 1 transfer; then at the "
            "API's limits 2 opens, 2 deposits, 1 withdrawal, 1 transfer",
            "actor": "arn:aws:iam::123456789012:user/teller (IAM-authorized, as the bench's "
            "API events carry it)",
            "account_ids": "as the API generates them",
            "index_overhead_bytes": INDEX_OVERHEAD,
        },
        figures={
            "commit_bytes": commit_bytes,
            "receipt_bytes": receipt_bytes,
            "view_bytes": view_bytes,
            "snapshot_object_bytes": snapshot_bytes,
            "snapshot_objects": len(projected.objects),
            "stored_bytes_per_deposit": stored_per_deposit,
            "event_table_gb_per_million_deposits": round(stored_per_deposit * 10**6 / GB, 3),
            "write_units_per_deposit": deposit_units,
            "largest_write_item_bytes": largest,
            "at_the_api_limits": {
                "commit_bytes": worst_bytes,
                "receipt_bytes": worst_receipt,
                "write_units_per_command": worst_units,
            },
        },
        target="every commit and receipt of the typical commands <= 1 KB (1 write unit, 2 in a "
        "transaction)",
        passed=passed,
        summary=(
            f"deposit commit {deposit} B, receipt {receipt_bytes} B, largest {largest} B; "
            f"{stored_per_deposit * 10**6 / GB:.2f} GB stored per million deposits; "
            f"{deposit_units} write units per deposit; at the API's limits the largest commit is "
            f"{max(worst_bytes.values())} B"
        ),
        notes=[
            "at_the_api_limits: the longest owner, Idempotency-Key, X-Correlation-Id and actor "
            "ARN the API accepts; not part of the target, which is about typical commands",
            "receipts expire (TTL, IDEMPOTENCY_TTL_SECONDS); commits are kept forever",
            "snapshot_object_bytes counts one S3 object; each snapshot writes two (its version "
            "and latest.json, which is overwritten)",
        ],
    )


BENCHMARK = Benchmark(KEY, run, "bytes stored and write units per event, by item kind")
