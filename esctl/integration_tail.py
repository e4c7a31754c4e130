"""`esctl tail`: integration events as they reach a queue subscribed to the bus.

Each message is printed as one line and then deleted, so a second `tail` shows only what came
after. A message is deleted only after it was printed: stopping half-way (Ctrl-C) leaves the
rest on the queue, to reappear once their visibility timeout ends. With sources given, only
their events are printed, and the others are deleted all the same: the example queue is a
window on the feed, not a subscriber's own queue.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

POLL_INTERVAL = 0.2
MAX_MESSAGES = 10  # the most one ReceiveMessage returns


def source_of(body: str) -> str | None:
    try:
        source = json.loads(body).get("source")
    except (ValueError, AttributeError):
        return None
    return source if isinstance(source, str) else None


def format_event(body: str) -> str:
    """One line: recorded time, detail-type, stream/version, data."""
    try:
        event = json.loads(body)
        detail = event["detail"]
        when = detail.get("metadata", {}).get("recorded_at") or event.get("time", "?")
        data = json.dumps(detail.get("data"), separators=(",", ":"), ensure_ascii=False)
        where = f"{detail['stream_id']}/{detail['version']}"
        return f"{when}  {event['detail-type']:<16}  {where}  {data}"
    except (ValueError, KeyError, TypeError, AttributeError):
        return f"(not an integration event) {body}"


def tail(
    sqs: Any,
    queue_url: str,
    emit: Callable[[str], None],
    *,
    follow: bool,
    idle_seconds: float = 2.0,
    wait_seconds: int = 0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    sources: frozenset[str] | None = None,
) -> int:
    """Print and delete messages until stopped or, unless `follow`, until the queue has been
    empty for `idle_seconds`; return how many were printed.

    `wait_seconds` is the server-side long-poll wait of each receive; with 0 the queue is polled
    every `POLL_INTERVAL` instead (the local AWS serves one request at a time, so a long poll
    there would hold up every other client for as long as it waits).
    """
    printed = 0
    last_seen = clock()
    while True:
        response = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=MAX_MESSAGES, WaitTimeSeconds=wait_seconds
        )
        messages = response.get("Messages", [])
        if messages:
            for message in messages:
                if sources is None or source_of(message["Body"]) in sources:
                    emit(format_event(message["Body"]))
                    printed += 1
            sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": message["ReceiptHandle"]}
                    for n, message in enumerate(messages)
                ],
            )
            last_seen = clock()
            continue
        if not follow and clock() - last_seen >= idle_seconds:
            return printed
        if wait_seconds == 0:
            sleep(POLL_INTERVAL)
