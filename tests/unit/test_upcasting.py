from __future__ import annotations

import pytest

from eventcore.errors import IntegrityError
from eventcore.events import StoredEvent
from tests.counters import Added, Started, StartedV1, registry


def test_a_stored_v1_event_loads_as_the_current_v2_model():
    stored = StoredEvent("Started", 1, {"label": "Ada"})
    event = registry.load(stored)
    assert event == Started(label="Ada", unit="items")
    assert event.schema_version == 2


def test_the_registry_knows_both_shapes_and_which_is_current():
    assert registry.model("Started", 1) is StartedV1
    assert registry.model("Started") is Started
    assert registry.current_version("Started") == 2


def test_new_events_are_stored_with_their_current_version_and_round_trip():
    event = Started(label="Ada", unit="kg")
    stored = registry.to_stored(event)
    assert stored == StoredEvent("Started", 2, {"label": "Ada", "unit": "kg"})
    assert registry.load(stored) == event


def test_unknown_types_and_future_versions_are_integrity_errors():
    with pytest.raises(IntegrityError, match="unknown event type"):
        registry.load(StoredEvent("Teleported", 1, {}))
    with pytest.raises(IntegrityError, match="newer than this code"):
        registry.load(StoredEvent("Added", 9, {"n": 1}))


def test_stored_data_is_validated_on_load():
    with pytest.raises(ValueError, match="n"):
        registry.load(StoredEvent("Added", 1, {"n": "lots"}))
    assert registry.load(StoredEvent("Added", 1, {"n": 7})) == Added(n=7)
