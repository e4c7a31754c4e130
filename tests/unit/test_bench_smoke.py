"""The benchmark package imports, registers every benchmark under its exact key, and its
replay fixture feeds the real DynamoDB adapter the way a paged Query would."""

from __future__ import annotations

import json

import bench.runner
from adapters.commit_item import to_item
from adapters.event_store_dynamodb import DynamoDBEventStore
from bench import storage
from bench.core import Context, Result
from bench.histories import account_commits
from bench.replay import QueryPages
from bench.storage import item_bytes, write_units
from domains.accounts.repository import account_repository
from eventcore.hashchain import verify

KEYS = {
    "replay_vs_pyeventsourcing",
    "requests_per_command",
    "projector_writes_per_batch",
    "command_cpu_ratio",
    "cold_import_ratio",
    "snapshot_load_flatness",
    "storage_per_event",
    "http_load",
}


def test_every_benchmark_is_registered_once_under_its_key():
    keys = [b.key for b in bench.runner.BENCHMARKS]
    assert len(keys) == len(set(keys))
    assert set(keys) >= KEYS


def test_results_serialise_with_the_agreed_fields():
    result = Result("k", {"n": 1}, {"ratio": 2.0}, "ratio >= 1", True, "fine")
    saved = json.loads(json.dumps(result.to_json()))
    assert {"key", "inputs", "figures", "target", "pass"} <= set(saved)
    assert saved["pass"] is True


def test_histories_are_valid_hash_chained_accounts():
    commits = list(account_commits("Account-smoke", 50, opened_version=1))
    assert verify("Account-smoke", commits).ok
    loaded = account_repository(_store(commits)).load("Account-smoke")
    assert (loaded.version, loaded.state.status, loaded.state.currency) == (50, "open", "EUR")
    assert loaded.state.balance > 0


def test_the_replay_fixture_pages_like_a_query():
    commits = list(account_commits("Account-smoke", 5_000))
    pages = QueryPages([to_item(c) for c in commits])
    assert len(pages.pages) > 1
    store = DynamoDBEventStore(pages, "events")
    assert list(store.read("Account-smoke")) == commits


def _store(commits):
    return DynamoDBEventStore(QueryPages([to_item(c) for c in commits]), "events")


def test_item_sizes_follow_dynamodbs_rules():
    # Names and strings by their UTF-8 bytes; a number one byte per two significant digits
    # plus one (leading and trailing zeros trimmed); maps 3 bytes plus 1 per element.
    assert item_bytes({"pk": {"S": "ab"}}) == 4
    assert item_bytes({"é": {"S": "ü"}}) == 4
    assert item_bytes({"n": {"N": "12345"}}) == 1 + 4
    assert item_bytes({"n": {"N": "1000"}}) == 1 + 2
    assert item_bytes({"n": {"N": "-0.05"}}) == 1 + 2
    assert item_bytes({"m": {"M": {"a": {"BOOL": True}}}}) == 1 + 3 + (1 + 1 + 1)
    assert write_units(1024, transactional=False) == 1
    assert write_units(1025, transactional=True) == 4


def test_the_storage_benchmark_measures_what_commands_and_the_projector_write():
    context = Context()
    try:
        result = storage.run(context)
    finally:
        context.close()
    figures = result.figures
    assert set(figures["commit_bytes"]) == {
        "AccountOpened",
        "Deposited",
        "Withdrawn",
        "TransferSent",
        "TransferReceived",
        "TransferCreated",
    }
    assert 300 < figures["commit_bytes"]["Deposited"] < figures["commit_bytes"]["TransferSent"]
    assert figures["receipt_bytes"] > 0
    assert figures["view_bytes"] > 0
    assert figures["snapshot_objects"] == 2  # the version at 100 and latest.json
    assert figures["write_units_per_deposit"] == 4
    limits = figures["at_the_api_limits"]
    assert limits["commit_bytes"]["Deposited"] > figures["commit_bytes"]["Deposited"] + 300
    assert set(limits["write_units_per_command"]) == {"open", "deposit", "withdrawal", "transfer"}
    assert result.passed == (figures["largest_write_item_bytes"] <= 1024)
