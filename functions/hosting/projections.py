"""One category's read models, kept up to date together from the commits of one stream."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventcore.commits import Commit
from eventcore.projector import Result, StreamProjector


class CategoryProjection:
    """Projects a stream's commits into each of its category's read models. Each read model
    keeps its own high-water mark, so one that failed (and is retried) does not make the others
    apply anything twice."""

    def __init__(self, projectors: Sequence[StreamProjector[Any]]) -> None:
        self.projectors = tuple(projectors)

    def project(self, stream_id: str, commits: Sequence[Commit]) -> Result:
        return _combined([p.project(stream_id, commits) for p in self.projectors])

    def replay(self, stream_id: str) -> Result:
        return _combined([p.replay(stream_id) for p in self.projectors])


def _combined(results: Sequence[Result]) -> Result:
    parked = [r.parked_at for r in results if r.parked_at is not None]
    return Result(
        applied=sum(r.applied for r in results),
        skipped=sum(r.skipped for r in results),
        caught_up=any(r.caught_up for r in results),
        parked_at=min(parked) if parked else None,
        refolded=any(r.refolded for r in results),
    )
