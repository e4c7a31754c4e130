"""Per-stream mutual exclusion inside one process."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from zlib import crc32


class StripedLocks:
    """A fixed set of locks, one chosen per key: bounded memory, no lock per stream.

    Threads of one process that write the same stream would otherwise race each other to the
    conditional write and mostly lose; taking the stream's lock first turns those races into a
    queue. Different processes still race, and the conditional write still decides.
    """

    def __init__(self, stripes: int = 64) -> None:
        self._locks = [threading.Lock() for _ in range(stripes)]

    @contextmanager
    def holding(self, keys: Iterable[str]) -> Iterator[None]:
        # Sorted and deduplicated, so two threads locking overlapping sets cannot deadlock.
        indexes = sorted({crc32(key.encode()) % len(self._locks) for key in keys})
        for index in indexes:
            self._locks[index].acquire()
        try:
            yield
        finally:
            for index in reversed(indexes):
                self._locks[index].release()
