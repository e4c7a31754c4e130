"""Integration envelopes: one per event, stable ids, data as stored, schemas kept in step."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from domains.accounts.events import registry
from domains.accounts.integration import FEED, SOURCE, AccountIntegrationEvent
from esctl.event_schemas import DOCS_EVENTS, rendered, stale
from eventcore.commits import Commit, CommitMeta
from eventcore.events import StoredEvent
from eventcore.integration_schemas import envelope_model
from eventcore.integration_schemas import json_schemas as registry_schemas
from installed_domains import DOMAINS

META = CommitMeta(
    "cmd-1", "corr-1", "arn:aws:iam::123456789012:user/teller", "2026-01-02T03:04:05.000006Z"
)


def envelopes(commit: Commit) -> list[dict[str, Any]]:
    return FEED.envelopes(commit)


def json_schemas() -> dict[str, dict[str, Any]]:
    return registry_schemas(registry, FEED)


def commit(*events: StoredEvent, version: int = 4, stream: str = "Account-abc") -> Commit:
    return Commit(stream, version, events, META, prev_hash="p" * 64, hash="h" * 64)


def test_one_envelope_per_event_each_with_its_own_version() -> None:
    published = envelopes(
        commit(
            StoredEvent("Deposited", 1, {"amount": 5}),
            StoredEvent("Withdrawn", 1, {"amount": 2}),
            StoredEvent("AccountClosed", 1, {}),
        )
    )
    assert [(e["type"], e["version"], e["event_id"]) for e in published] == [
        ("Deposited", 4, "Account-abc:4"),
        ("Withdrawn", 5, "Account-abc:5"),
        ("AccountClosed", 6, "Account-abc:6"),
    ]
    assert published[0] == {
        "event_id": "Account-abc:4",
        "type": "Deposited",
        "stream_id": "Account-abc",
        "account_id": "abc",
        "version": 4,
        "schema_version": 1,
        "data": {"amount": 5},
        "metadata": {
            "recorded_at": "2026-01-02T03:04:05.000006Z",
            "command_id": "cmd-1",
            "correlation_id": "corr-1",
            "actor": "arn:aws:iam::123456789012:user/teller",
            "commit_hash": "h" * 64,
        },
    }
    assert json.loads(json.dumps(published)) == published  # JSON-ready as it is


def test_the_same_commit_always_gives_the_same_envelopes() -> None:
    # Redelivered records become identical entries: subscribers deduplicate by event_id.
    stored = StoredEvent("Deposited", 1, {"amount": 5})
    assert envelopes(commit(stored)) == envelopes(commit(stored))


def test_old_events_are_published_as_stored_not_upcast() -> None:
    [opened] = envelopes(commit(StoredEvent("AccountOpened", 1, {"owner": "Ada"}), version=1))
    assert (opened["schema_version"], opened["data"]) == (1, {"owner": "Ada"})


def test_envelopes_validate_against_the_model_of_their_type_and_version() -> None:
    for stored in (
        StoredEvent("AccountOpened", 1, {"owner": "Ada"}),
        StoredEvent("AccountOpened", 2, {"owner": "Ada", "currency": "EUR"}),
        StoredEvent("TransferSent", 1, {"transfer_id": "t", "to_account": "b", "amount": 3}),
    ):
        [envelope] = envelopes(commit(stored))
        AccountIntegrationEvent.model_validate(envelope)
        model = envelope_model(registry.model(stored.type, stored.schema_version), FEED)
        assert model.model_validate(envelope).model_dump(mode="json") == envelope


def test_a_typed_envelope_refuses_data_of_another_shape() -> None:
    [envelope] = envelopes(commit(StoredEvent("AccountOpened", 1, {"owner": "Ada"})))
    with pytest.raises(ValueError, match="currency"):
        envelope_model(registry.model("AccountOpened", 2), FEED).model_validate(
            {**envelope, "schema_version": 2}
        )


def test_one_schema_per_registered_type_and_version() -> None:
    assert set(json_schemas()) == {
        "AccountOpened.v1.schema.json",
        "AccountOpened.v2.schema.json",
        "AccountOpened.v3.schema.json",
        "Deposited.v1.schema.json",
        "Withdrawn.v1.schema.json",
        "TransferSent.v1.schema.json",
        "TransferReceived.v1.schema.json",
        "DebitHeld.v1.schema.json",
        "CreditHeld.v1.schema.json",
        "DebitReleased.v1.schema.json",
        "CreditReleased.v1.schema.json",
        "PersonalDataErased.v1.schema.json",
        "AccountClosed.v1.schema.json",
    }
    deposited = json_schemas()["Deposited.v1.schema.json"]
    assert deposited["properties"]["type"]["const"] == "Deposited"
    assert deposited["properties"]["schema_version"]["const"] == 1
    assert SOURCE in deposited["description"]


def test_committed_schema_files_equal_the_generated_ones() -> None:
    assert stale(DOMAINS) == [], "run `esctl schemas` and commit docs/events/"
    assert sorted(path.name for path in DOCS_EVENTS.glob("*.schema.json")) == sorted(
        rendered(DOMAINS)
    )


def test_stale_files_are_found_and_rewritten(tmp_path: Path) -> None:
    from esctl.event_schemas import write

    (tmp_path / "Gone.v1.schema.json").write_text("{}")
    assert write(DOMAINS, tmp_path)
    (tmp_path / "Deposited.v1.schema.json").write_text("{}")
    assert stale(DOMAINS, tmp_path) == ["Deposited.v1.schema.json"]
    assert write(DOMAINS, tmp_path) == ["Deposited.v1.schema.json"]
    assert stale(DOMAINS, tmp_path) == []
    assert not (tmp_path / "Gone.v1.schema.json").exists()


def test_envelopes_validate_against_the_committed_json_schemas() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    samples = {
        "AccountOpened.v1": StoredEvent("AccountOpened", 1, {"owner": "Ada"}),
        "Deposited.v1": StoredEvent("Deposited", 1, {"amount": 5}),
        "AccountClosed.v1": StoredEvent("AccountClosed", 1, {}),
    }
    for name, stored in samples.items():
        schema = json.loads((DOCS_EVENTS / f"{name}.schema.json").read_text())
        [envelope] = envelopes(commit(stored))
        jsonschema.validate(envelope, schema)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**envelope, "data": {"unexpected": 1}}, schema)
