from __future__ import annotations

import pytest

from accounts.events import AccountOpened, AccountOpenedV1, Deposited, registry
from eventcore.errors import IntegrityError
from eventcore.events import StoredEvent


def test_a_stored_v1_event_loads_as_the_current_v2_model():
    stored = StoredEvent("AccountOpened", 1, {"owner": "Ada"})
    event = registry.load(stored)
    assert event == AccountOpened(owner="Ada", currency="EUR")
    assert event.schema_version == 2


def test_the_registry_knows_both_shapes_and_which_is_current():
    assert registry.model("AccountOpened", 1) is AccountOpenedV1
    assert registry.model("AccountOpened") is AccountOpened
    assert registry.current_version("AccountOpened") == 2


def test_new_events_are_stored_with_their_current_version_and_round_trip():
    event = AccountOpened(owner="Ada", currency="USD")
    stored = registry.to_stored(event)
    assert stored == StoredEvent("AccountOpened", 2, {"owner": "Ada", "currency": "USD"})
    assert registry.load(stored) == event


def test_unknown_types_and_future_versions_are_integrity_errors():
    with pytest.raises(IntegrityError, match="unknown event type"):
        registry.load(StoredEvent("Teleported", 1, {}))
    with pytest.raises(IntegrityError, match="newer than this code"):
        registry.load(StoredEvent("Deposited", 9, {"amount": 1}))


def test_stored_data_is_validated_on_load():
    with pytest.raises(ValueError, match="amount"):
        registry.load(StoredEvent("Deposited", 1, {"amount": "lots"}))
    assert registry.load(StoredEvent("Deposited", 1, {"amount": 7})) == Deposited(amount=7)
