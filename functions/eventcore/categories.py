"""Stream categories: a stream id is `<category>-<entity id>`, and the category is the unit of
wiring (which registry decodes a stream, which read models and feed its commits go to).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar

T = TypeVar("T")

SEPARATOR = "-"
# A category is a name: it ends at the first separator, so it cannot hold one.
CATEGORY_PATTERN = re.compile(r"^[A-Z][A-Za-z0-9]{0,39}$")


def check_category(category: str) -> str:
    if not CATEGORY_PATTERN.match(category):
        raise ValueError(
            f"category {category!r} must be a capitalised name of letters and digits"
            " (it is the stream id's prefix, e.g. Account in Account-<id>)"
        )
    return category


def stream_id(category: str, entity_id: str) -> str:
    return f"{category}{SEPARATOR}{entity_id}"


def category_of(stream_id: str) -> str:
    return stream_id.partition(SEPARATOR)[0]


def entity_id_of(stream_id: str) -> str:
    return stream_id.partition(SEPARATOR)[2]


class ByCategory(Generic[T]):
    """One value per category (a repository, a projection, a feed), looked up by stream id."""

    def __init__(self, values: Mapping[str, T]) -> None:
        for category in values:
            check_category(category)
        self._values = dict(values)

    def get(self, stream_id: str) -> T | None:
        """The value of the stream's category, or None when no one claims it."""
        return self._values.get(category_of(stream_id))

    def __getitem__(self, category: str) -> T:
        return self._values[category]

    def __contains__(self, category: object) -> bool:
        return category in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def items(self) -> Iterator[tuple[str, T]]:
        return iter(self._values.items())
