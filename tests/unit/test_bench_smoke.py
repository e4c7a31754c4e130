"""The benchmark package imports, registers every benchmark under its exact key, and its
replay fixture feeds the real DynamoDB adapter the way a paged Query would."""

from __future__ import annotations

import json

import bench.runner
from accounts.repository import account_repository
from adapters.commit_item import to_item
from adapters.event_store_dynamodb import DynamoDBEventStore
from bench.core import Result
from bench.histories import account_commits
from bench.replay import QueryPages
from eventcore.hashchain import verify

KEYS = {
    "replay_vs_pyeventsourcing",
    "requests_per_command",
    "projector_writes_per_batch",
    "command_cpu_ratio",
    "cold_import_ratio",
    "snapshot_load_flatness",
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
