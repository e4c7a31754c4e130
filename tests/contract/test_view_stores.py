"""One contract for every read-model store: the projector's side (`ViewStore`: conditional saves,
parking) and the queries' side (`ViewReader`: views by key, pages), in memory and on DynamoDB
(its live blue/green slot), on the neutral counters read model."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from adapters.parked_streams_dynamodb import ParkedStreams
from adapters.projection_slots_dynamodb import ActiveSlots
from adapters.view_store_dynamodb import DynamoDBViewStore
from adapters.views_dynamodb import DynamoDBViews
from esctl.provision import table_request
from eventcore.memory import InMemoryViews, InMemoryViewStore
from eventcore.projector import Projected, StaleView
from infra.resources import PROJECTIONS, read_model_tables
from tests.counters import COUNTERS, CounterView, stream_id


@dataclass
class Sides:
    store: Any  # ViewStore[CounterView], with unpark
    reader: Any  # ViewReader[CounterView]


def view(counter: str, total: int = 0, version: int = 1, label: str = "Zoë 🙂") -> CounterView:
    return CounterView(counter, label, total, "running", version)


def saved(sides: Sides, counter: str, version: int = 1, expected: int = 0) -> CounterView:
    counted = view(counter, total=version * 10, version=version)
    sides.store.save(stream_id(counter), Projected(counted, version, last_hash="h" * 64), expected)
    return counted


class ViewStoreContract:
    @pytest.fixture
    def sides(self) -> Any:
        raise NotImplementedError

    def test_an_unknown_stream_has_no_view_and_mark_zero(self, sides: Sides) -> None:
        assert sides.store.load(stream_id("a")) == Projected(None, 0)
        assert sides.reader.get("a") is None

    def test_a_saved_view_reads_back_on_both_sides(self, sides: Sides) -> None:
        counted = saved(sides, "a", version=3)
        loaded = sides.store.load(stream_id("a"))
        assert (loaded.view, loaded.version, loaded.parked) == (counted, 3, None)
        assert loaded.last_hash == "h" * 64
        assert sides.reader.get("a") == counted

    def test_a_save_from_a_stale_mark_is_refused_and_changes_nothing(self, sides: Sides) -> None:
        counted = saved(sides, "a", version=2)
        with pytest.raises(StaleView):
            sides.store.save(stream_id("a"), Projected(view("a", 99, 3), 3), 1)
        with pytest.raises(StaleView):
            sides.store.save(stream_id("a"), Projected(view("a", 99, 3), 3), 0)
        assert sides.reader.get("a") == counted
        saved(sides, "a", version=3, expected=2)
        assert sides.store.load(stream_id("a")).version == 3

    def test_a_stream_parked_before_its_first_view_leaves_no_view(self, sides: Sides) -> None:
        sides.store.park(stream_id("a"), Projected(None, 0), 1, "ValueError: bad first event", 0)
        parked = sides.store.load(stream_id("a"))
        assert (parked.view, parked.version) == (None, 0)
        assert "bad first event" in (parked.parked or "")
        assert sides.reader.get("a") is None
        assert sides.reader.page(10, None).views == []

    def test_a_parked_view_takes_no_saves_until_unparked(self, sides: Sides) -> None:
        counted = saved(sides, "a", version=2)
        progress = Projected(counted, 2, last_hash="h" * 64)
        sides.store.park(stream_id("a"), progress, 3, "ValueError: cannot project", 2)
        assert sides.store.load(stream_id("a")).parked is not None
        with pytest.raises(StaleView):
            sides.store.save(stream_id("a"), Projected(view("a", 30, 3), 3), 2)
        assert sides.reader.get("a") == counted  # readers still see the view up to the poison
        sides.store.unpark(stream_id("a"))
        assert sides.store.load(stream_id("a")).parked is None
        saved(sides, "a", version=3, expected=2)
        assert sides.reader.get("a") == view("a", 30, 3)

    def test_pages_hold_every_view_once(self, sides: Sides) -> None:
        names = [f"c{n:02d}" for n in range(7)]
        for name in names:
            saved(sides, name)
        sides.store.park(stream_id("zz"), Projected(None, 0), 1, "marker", 0)
        seen: list[str] = []
        cursor = None
        for _ in range(10):
            page = sides.reader.page(3, cursor)
            assert len(page.views) <= 3
            seen += [v.counter_id for v in page.views]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert sorted(seen) == names

    def test_a_sorted_index_pages_in_its_order_up_to_a_bound(self, sides: Sides) -> None:
        labels = {"c1": "m", "c2": "b", "c3": "z", "c4": "a", "c5": "k", "c6": "m"}
        for counter, label in labels.items():
            counted = CounterView(counter, label, 0, "running", 1)
            sides.store.save(stream_id(counter), Projected(counted, 1, last_hash="h" * 64), 0)
        stopped = CounterView("c7", "a", 0, "stopped", 1)
        sides.store.save(stream_id("c7"), Projected(stopped, 1, last_hash="h" * 64), 0)
        seen: list[str] = []
        cursor = None
        for _ in range(10):
            page = sides.reader.page(2, cursor, where=("status", "running"), up_to="m")
            assert len(page.views) <= 2
            seen += [v.counter_id for v in page.views]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == ["c4", "c2", "c5", "c1", "c6"]  # by label, then key; "z" is past the bound
        everything = sides.reader.page(10, None, where=("status", "running"))
        assert [v.label for v in everything.views] == ["a", "b", "k", "m", "m", "z"]
        with pytest.raises(ValueError, match="sorted index"):
            sides.reader.page(10, None, up_to="m")

    def test_a_cursor_it_did_not_give_is_refused(self, sides: Sides) -> None:
        saved(sides, "a")
        with pytest.raises(ValueError, match="cursor"):
            sides.reader.page(3, "not-a-cursor-of-ours")


class TestInMemoryViews(ViewStoreContract):
    @pytest.fixture
    def sides(self) -> Sides:
        store: InMemoryViewStore[CounterView] = InMemoryViewStore()
        return Sides(store, InMemoryViews(store, COUNTERS))


class TestDynamoDBViews(ViewStoreContract):
    @pytest.fixture
    def sides(self) -> Iterator[Sides]:
        with mock_aws():
            client = boto3.client("dynamodb")
            tables_of = read_model_tables(COUNTERS.name, COUNTERS.key, COUNTERS.index_specs)
            for spec in (*tables_of, PROJECTIONS):
                client.create_table(**table_request(spec, "test"))
            tables = {"blue": "ledger-test-counters-blue", "green": "ledger-test-counters-green"}
            projections = PROJECTIONS.physical_name("test")
            slots = ActiveSlots(client, projections)
            parked = ParkedStreams(client, projections, COUNTERS.name, lambda: "now")
            live = lambda: tables[slots.active(COUNTERS.name)]  # noqa: E731
            yield Sides(
                DynamoDBViewStore(client, COUNTERS, live, parked),
                DynamoDBViews(client, COUNTERS, tables, slots),
            )

    def test_parking_registers_the_stream(self, sides: Sides) -> None:
        sides.store.park(stream_id("a"), Projected(None, 0), 4, "boom", 0)
        assert [(p.stream_id, p.version) for p in sides.store.parked] == [(stream_id("a"), 4)]
        sides.store.unpark(stream_id("a"))
        assert list(sides.store.parked) == []

    def test_views_are_stored_as_plain_attributes(self, sides: Sides) -> None:
        saved(sides, "a", version=2)
        item = boto3.client("dynamodb").get_item(
            TableName="ledger-test-counters-blue", Key={"counter_id": {"S": "a"}}
        )["Item"]
        assert item == {
            "counter_id": {"S": "a"},
            "label": {"S": "Zoë 🙂"},
            "total": {"N": "20"},
            "status": {"S": "running"},
            "version": {"N": "2"},
            "last_hash": {"S": "h" * 64},
        }
