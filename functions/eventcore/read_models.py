"""Read models as data: what a domain declares so that the platform can keep one for it.

A read model is one view per stream of its category, built by a pure projection from the
stream's events and kept (by a `ViewStore`) under a key derived from the stream id. Its codec
turns a view into a JSON-ready dict and back, which is all a store needs to know of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from eventcore.categories import entity_id_of
from eventcore.events import Event

V = TypeVar("V")

# Applies one event (the next version of `stream_id`) to the view so far (None before the
# first); pure. An error it raises parks the stream.
Projection = Callable[[V | None, str, Event], V]

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
# What a view store keeps beside a view, under these names: the high-water mark, the hash of the
# commit it ends at, and the error of a parked stream.
STORE_FIELDS = frozenset({"version", "last_hash", "parked"})


class ViewCodec(Protocol[V]):
    """A view as a JSON-ready dict (strings, integers, booleans, None, lists, dicts) and back.

    The dict may repeat the view's key and its version (the store keeps both itself, and its
    values win); it must not use `last_hash` or `parked`, which the store keeps beside the view.
    """

    def dump(self, view: V) -> dict[str, Any]: ...

    def load(self, data: dict[str, Any]) -> V:
        """The view from what `dump` gave, plus the key and `version` as the store kept them."""
        ...


@dataclass(frozen=True, slots=True)
class Index:
    """An index over a string attribute of the view: pages of the views with one value of it,
    in the order of `sort_key` (another string attribute, e.g. a deadline; a view without it is
    in no page of the index) or else of the view's key."""

    attribute: str
    sort_key: str | None = None


@dataclass(frozen=True)
class ReadModel(Generic[V]):
    """One read model of a category: its name (which names its tables, `<name>-blue` and
    `<name>-green`, and its environment variables, `<NAME>_TABLE_BLUE`/`_GREEN`), the key
    attribute its views are stored under, the projection that builds a view and the codec that
    stores it. `key_of` turns a stream id into the view's key (by default the entity id, the
    stream id without its category). Each of `indexes` names a string attribute of the view
    (or is an `Index` of one, sorted by another) that pages can be asked for by value
    (`page(..., where=(name, value))`, never a scan): a view whose attribute is None is in no
    page of that index."""

    name: str
    key: str
    projection: Projection[V]
    codec: ViewCodec[V]
    key_of: Callable[[str], str] = entity_id_of
    indexes: tuple[str | Index, ...] = ()

    @property
    def index_specs(self) -> tuple[Index, ...]:
        return tuple(i if isinstance(i, Index) else Index(i) for i in self.indexes)

    def index(self, attribute: str) -> Index:
        """The index over `attribute`; ValueError when there is none."""
        for index in self.index_specs:
            if index.attribute == attribute:
                return index
        raise ValueError(f"{self.name} has no index {attribute!r}")

    def __post_init__(self) -> None:
        if not NAME_PATTERN.match(self.name):
            raise ValueError(
                f"read model name {self.name!r}: lower-case letters, digits and _, at most 31"
            )
        if not NAME_PATTERN.match(self.key) or self.key in STORE_FIELDS:
            raise ValueError(
                f"read model {self.name}: key {self.key!r} must be a lower-case name other"
                f" than {sorted(STORE_FIELDS)}"
            )
        for index in self.index_specs:
            for name in (index.attribute, index.sort_key or index.attribute):
                if not NAME_PATTERN.match(name) or name in STORE_FIELDS | {self.key}:
                    raise ValueError(f"read model {self.name}: {name!r} cannot be an index")


@dataclass(frozen=True, slots=True)
class ViewPage(Generic[V]):
    views: list[V]
    next_cursor: str | None


class ViewReader(Protocol[V]):
    """Reading one read model: what queries use (the projector writes through a `ViewStore`)."""

    def get(self, key: str) -> V | None:
        """The view stored under `key`, or None (also for a stream parked before its first
        event could be projected, which leaves a marker and no view)."""
        ...

    def page(
        self,
        limit: int,
        cursor: str | None,
        where: tuple[str, str] | None = None,
        up_to: str | None = None,
    ) -> ViewPage[V]:
        """Up to `limit` views after `cursor` (opaque; raises ValueError when malformed), in key
        order, or only those whose indexed attribute `where[0]` is `where[1]`, in the index's
        order; with `up_to` (a sorted index only), those whose sort key is at most that."""
        ...
