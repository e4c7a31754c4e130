"""Local standard output without the CloudWatch metric lines Powertools prints."""

from __future__ import annotations

import io
from typing import TextIO


class WithoutMetricLines(io.TextIOBase):
    """Standard output minus CloudWatch EMF lines: they are for CloudWatch, and locally they
    would bury the request log. (Disabling metrics instead makes Powertools keep them in memory.)
    """

    def __init__(self, target: TextIO) -> None:
        self._target = target
        self._dropped = False

    def write(self, text: str) -> int:
        # print() writes the line and its newline separately: drop both.
        dropping = text.startswith('{"_aws":') or (self._dropped and text == "\n")
        if not dropping:
            self._target.write(text)
        self._dropped = dropping
        return len(text)

    def flush(self) -> None:
        self._target.flush()
