"""The platform's integration feed on the neutral counters: one envelope per event with the
domain's own fields, data as stored, and a schema per registered type and version."""

from __future__ import annotations

import pytest

from eventcore.categories import entity_id_of
from eventcore.commits import Commit, CommitMeta
from eventcore.events import StoredEvent
from eventcore.integration import IntegrationEvent, IntegrationFeed
from eventcore.integration_schemas import envelope_model, json_schemas
from tests.counters import registry

META = CommitMeta("cmd", "corr", "tester", "2026-12-01T10:00:00.000000Z")


class CounterEvent(IntegrationEvent):
    counter_id: str


FEED = IntegrationFeed("test.counters", CounterEvent, lambda s: {"counter_id": entity_id_of(s)})


def commit(*events: StoredEvent) -> Commit:
    return Commit("Counter-c1", 3, events, META, "p" * 64, "h" * 64)


def test_one_envelope_per_event_with_the_domains_fields() -> None:
    added = StoredEvent("Added", 1, {"n": 2})
    taken = StoredEvent("Taken", 1, {"n": 1})
    first, second = FEED.envelopes(commit(added, taken))
    assert (first["event_id"], second["event_id"]) == ("Counter-c1:3", "Counter-c1:4")
    assert first["counter_id"] == "c1"
    assert first["data"] == {"n": 2}
    assert first["metadata"]["commit_hash"] == "h" * 64
    assert CounterEvent.model_validate(first).version == 3


def test_a_feed_without_fields_is_the_bare_envelope() -> None:
    [bare] = IntegrationFeed("test.bare").envelopes(commit(StoredEvent("Stopped", 1, {})))
    assert set(bare) == {
        "event_id",
        "type",
        "stream_id",
        "version",
        "schema_version",
        "data",
        "metadata",
    }


def test_old_shapes_go_out_as_stored_and_validate_against_their_own_schema() -> None:
    [old] = FEED.envelopes(commit(StoredEvent("Started", 1, {"label": "c"})))
    assert (old["schema_version"], old["data"]) == (1, {"label": "c"})
    envelope_model(registry.model("Started", 1), FEED).model_validate(old)
    with pytest.raises(ValueError, match="unit"):
        envelope_model(registry.model("Started", 2), FEED).model_validate(
            {**old, "schema_version": 2}
        )


def test_one_schema_per_type_and_version_naming_the_source() -> None:
    schemas = json_schemas(registry, FEED)
    assert set(schemas) == {
        f"{name}.schema.json"
        for name in (
            "Started.v1",
            "Started.v2",
            "Added.v1",
            "Taken.v1",
            "MovedOut.v1",
            "MovedIn.v1",
            "Stopped.v1",
        )
    }
    added = schemas["Added.v1.schema.json"]
    assert "test.counters" in added["description"]
    assert "counter_id" in added["required"]
