"""How a read model's view is laid out as a DynamoDB item: the view's own fields (its codec's
dict), its key, and what the projector keeps beside it (`version`, `last_hash`, `parked`)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from adapters.attribute_values import from_attributes, to_attributes
from eventcore.read_models import STORE_FIELDS, ReadModel

V = TypeVar("V")
Item = dict[str, dict[str, Any]]


class ViewItems(Generic[V]):
    """Items of one read model's table."""

    def __init__(self, model: ReadModel[V]) -> None:
        self.model = model
        self._own = STORE_FIELDS | {model.key}

    def key(self, stream_id: str) -> Item:
        return {self.model.key: {"S": self.model.key_of(stream_id)}}

    def to_item(self, stream_id: str, view: V, version: int) -> Item:
        data = self.model.codec.dump(view)
        clashing = {"last_hash", "parked"} & data.keys()
        if clashing:
            raise ValueError(f"{self.model.name}: a view may not carry {sorted(clashing)}")
        # A field that is None is left out of the item: an index over it stays sparse (DynamoDB
        # refuses a NULL index key), and the codec reads it back as missing.
        present = {name: value for name, value in data.items() if value is not None}
        return {**to_attributes(present), **self.key(stream_id), "version": {"N": str(version)}}

    def marker(self, stream_id: str) -> Item:
        """A stream parked before its first event could be projected: no view, only a mark."""
        return {**self.key(stream_id), "version": {"N": "0"}}

    def is_view(self, item: Item) -> bool:
        # A marker holds the store's own attributes and nothing of a view.
        return any(name not in self._own for name in item)

    def view(self, item: Item) -> V:
        data = from_attributes({k: v for k, v in item.items() if k not in ("last_hash", "parked")})
        return self.model.codec.load(data)
