"""`EventRegistry.load_json` (a commit's events from their stored JSON, in one pydantic-core
call) gives what `load` gives on each stored event: the same events or the same error."""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, model_validator
from pydantic_core import from_json

from eventcore.events import Event, EventRegistry, StoredEvent
from tests.counters import Added, Started, registry


def one_by_one(target: EventRegistry, text: str) -> list[Event]:
    return [target.load(StoredEvent.from_json(raw)) for raw in from_json(text)]


def outcome(load: Any, text: str) -> tuple[str, Any]:
    try:
        return ("events", load(text))
    except Exception as error:  # the comparison is of whatever either way raises
        return (type(error).__name__, str(error))


def same_as_one_by_one(text: str, target: EventRegistry = registry) -> tuple[str, Any]:
    expected = outcome(lambda t: one_by_one(target, t), text)
    assert outcome(target.load_json, text) == expected
    return expected


def test_current_and_old_shapes_in_one_commit():
    stored = [
        {"type": "Added", "schema_version": 1, "data": {"n": 5}},
        {"type": "Started", "schema_version": 1, "data": {"label": "Ada"}},
        {"type": "Started", "schema_version": 2, "data": {"label": "Bo", "unit": "kg"}},
    ]
    events = registry.load_json(json.dumps(stored))
    assert events == [
        Added(n=5),
        Started(label="Ada", unit="items"),
        Started(label="Bo", unit="kg"),
    ]
    assert [type(e) for e in events] == [Added, Started, Started]
    assert same_as_one_by_one(json.dumps(stored)) == ("events", events)


@pytest.mark.parametrize(
    ("text", "raised"),
    [
        ('[{"type":"Teleported","schema_version":1,"data":{}}]', "IntegrityError"),
        ('[{"type":"Added","schema_version":9,"data":{"n":1}}]', "IntegrityError"),
        ('[{"type":"Added","schema_version":1,"data":{"n":"lots"}}]', "ValidationError"),
        ('[{"type":"Added","schema_version":1,"data":{"n":0}}]', "ValidationError"),
        ('[{"type":"Added","schema_version":1,"data":{"n":1,"x":2}}]', "ValidationError"),
        ('[{"type":"Added","schema_version":1}]', "KeyError"),
        ('[{"type":"Added","data":{"n":1}}]', "KeyError"),
        ('[{"type":"Added","schema_version":1,"data":{"n":1}}', "ValueError"),
        ("not json", "ValueError"),
        ('{"type":"Added"}', "TypeError"),
    ],
)
def test_what_cannot_be_loaded_raises_what_load_raises(text: str, raised: str):
    assert same_as_one_by_one(text)[0] == raised


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        "{}",
        # Versions that equal 1 without being the integer 1, and data naming the envelope's
        # own fields: whatever `load` makes of them.
        '[{"type":"Added","schema_version":1.0,"data":{"n":1}}]',
        '[{"type":"Added","schema_version":true,"data":{"n":1}}]',
        '[{"type":"Added","schema_version":1,"data":{"n":1,"type":"Added"}}]',
        '[{"type":"Added","schema_version":1,"data":{"n":1,"schema_version":1}}]',
        '[{"type":"Added","schema_version":1,"data":{"n":1,"type":"Taken"}}]',
        '[{"type":"Added","schema_version":1,"data":{"n":1},"extra":0}]',
    ],
)
def test_edge_cases_load_as_load_loads_them(text: str):
    assert same_as_one_by_one(text)[0] == "events"


scalar = st.one_of(
    st.integers(min_value=-2, max_value=10**13),
    st.sampled_from(["EUR", "usd", "Ada", "Added", 1.0, True, "1", 2.5]),
    st.none(),
)
stored_event = st.dictionaries(
    st.sampled_from(["type", "schema_version", "data", "extra"]),
    st.one_of(
        st.sampled_from(["Added", "Taken", "Started", "Nope", 1, 2, 3]),
        scalar,
        st.dictionaries(
            st.sampled_from(["n", "label", "unit", "type", "schema_version"]),
            scalar,
            max_size=4,
        ),
        st.lists(scalar, max_size=2),
    ),
).map(lambda d: {k: d[k] for k in sorted(d, key=["type", "schema_version", "data", "extra"].index)})
well_formed = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["Added", "Taken", "Started", "Nope"]),
        "schema_version": st.sampled_from([1, 2, 3, 1.0, True, "1"]),
        "data": st.dictionaries(
            st.sampled_from(["n", "label", "unit", "type", "schema_version"]),
            scalar,
            max_size=4,
        ),
    }
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(well_formed, well_formed, stored_event), max_size=4))
def test_any_commit_loads_as_load_loads_it(stored: list[dict[str, Any]]):
    same_as_one_by_one(json.dumps(stored))


class Line(BaseModel):
    sku: str
    qty: int


class Ordered(Event):
    type: Literal["Ordered"] = "Ordered"
    schema_version: Literal[1] = 1
    lines: list[Line]


class Returned(Event):
    type: Literal["Returned"] = "Returned"
    schema_version: Literal[1] = 1
    line: Line


def test_events_sharing_a_nested_model_and_types_registered_later():
    shop = EventRegistry()
    shop.register(Ordered)
    ordered = '[{"type":"Ordered","schema_version":1,"data":{"lines":[{"sku":"a","qty":2}]}}]'
    returned = '[{"type":"Returned","schema_version":1,"data":{"line":{"sku":"a","qty":1}}}]'
    assert shop.load_json(ordered) == [Ordered(lines=[Line(sku="a", qty=2)])]
    assert same_as_one_by_one(returned, shop)[0] == "IntegrityError"
    shop.register(Returned)
    assert shop.load_json(returned) == [Returned(line=Line(sku="a", qty=1))]
    assert shop.load_json(ordered) == [Ordered(lines=[Line(sku="a", qty=2)])]


def test_a_registry_with_no_events_refuses_every_event():
    assert same_as_one_by_one("[]", EventRegistry()) == ("events", [])
    text = '[{"type":"Added","schema_version":1,"data":{"n":1}}]'
    assert same_as_one_by_one(text, EventRegistry())[0] == "IntegrityError"


def test_event_models_must_declare_their_type_and_version_as_literals():
    class Loose(Event):
        type: str = "Loose"
        schema_version: int = 1

    with pytest.raises(TypeError, match="Literal"):
        EventRegistry().register(Loose)


class Picky(Event):
    type: Literal["Picky"] = "Picky"
    schema_version: Literal[1] = 1
    n: int

    @model_validator(mode="after")
    def _not_thirteen(self) -> Picky:
        if self.n == 13:
            raise TypeError("unlucky")  # not a ValueError: pydantic lets it out as it is
        return self


def test_errors_come_in_the_order_of_the_events_whatever_raises_them():
    picky = EventRegistry()
    picky.register(Picky)
    first_broken = (
        '[{"type":"Picky","schema_version":1},{"type":"Picky","schema_version":1,"data":{"n":13}}]'
    )
    assert same_as_one_by_one(first_broken, picky)[0] == "KeyError"
    unlucky = '[{"type":"Picky","schema_version":1,"data":{"n":13}}]'
    assert same_as_one_by_one(unlucky, picky) == ("TypeError", "unlucky")
