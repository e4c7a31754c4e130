"""Running a command exactly once: idempotency receipts in the same write as the events, the
command's metadata (who, when, why), and the caller's If-Match."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from application.requests import Clock, Outcome, Request
from eventcore.aggregates import Aggregates, AnyLoaded, Decide
from eventcore.commits import CommitMeta, Receipt, format_time
from eventcore.errors import DomainError, IdempotencyKeyReused, NotFound, VersionMismatch
from eventcore.events import Event
from eventcore.store import DuplicateRequest

Respond = Callable[[tuple[AnyLoaded, ...]], Outcome]
# Refuses (raises a DomainError) a caller who may not act on the loaded streams.
Authorize = Callable[[tuple[AnyLoaded, ...]], None]


class CommandRunner:
    """Decides and appends a command across the streams it names, at most once per key."""

    def __init__(
        self,
        aggregates: Aggregates,
        clock: Clock,
        receipt_ttl: timedelta = timedelta(hours=24),
    ) -> None:
        self.aggregates = aggregates
        self.clock = clock
        self.receipt_ttl = receipt_ttl

    def run(
        self,
        request: Request,
        stream_ids: Sequence[str],
        decide: Decide,
        respond: Respond,
        *,
        authorize: Authorize | None = None,
        if_match: str | None = None,
        new: Sequence[str] = (),
    ) -> Outcome:
        """Decide `decide` over `stream_ids` and append the result with a receipt of
        `respond`'s answer, or answer what the key's first run answered.

        `authorize` runs first, on the loaded states: a refusal there comes before anything
        else could say that a stream exists. `if_match` names the stream the request's If-Match
        is about (None: the command takes none). A stream that does not exist is left to
        `decide` to refuse, whatever version the caller expected, so that it reads as not found
        rather than as a mismatch. `new` names streams the command creates under an id it has
        just made (read as empty, without a request).
        """
        checked = _checking(decide, stream_ids, if_match, request.if_match, authorize)
        expires_at = int((self.clock() + self.receipt_ttl).timestamp())
        outcome: list[Outcome] = []

        def receipt(after: tuple[AnyLoaded, ...]) -> Receipt:
            outcome[:] = [respond(after)]
            return Receipt(
                request.receipt_key, request.fingerprint, outcome[0].to_json(), expires_at
            )

        try:
            # A mismatch found on a cached state is judged again on fresh state, as every
            # refusal is.
            self.aggregates.execute(stream_ids, checked, self.meta(request), receipt, new)
        except DuplicateRequest as duplicate:
            return replay(duplicate.receipt, request)
        except DomainError as refusal:
            # A retry of a command that already ran may now break a rule (the first withdrawal
            # emptied the account): answer with what the first try answered. A key reused for
            # another request is refused as such, unless the refusal is "not found": saying
            # anything else would tell the caller that what it may not see exists.
            earlier = self.aggregates.store.get_receipt(request.receipt_key)
            if earlier is not None and (
                earlier.fingerprint == request.fingerprint or not isinstance(refusal, NotFound)
            ):
                return replay(earlier, request)
            raise
        return outcome[0]

    def meta(self, request: Request) -> CommitMeta:
        return CommitMeta(
            command_id=request.idempotency_key,
            correlation_id=request.correlation_id,
            actor=request.caller.actor,
            recorded_at=format_time(self.clock()),
        )


def _checking(
    decide: Decide,
    stream_ids: Sequence[str],
    stream: str | None,
    expected: int | None,
    authorize: Authorize | None,
) -> Decide:
    if authorize is None and (stream is None or expected is None):
        return decide
    index = list(stream_ids).index(stream) if stream is not None and expected is not None else None

    def decide_checked(states: tuple[AnyLoaded, ...]) -> Sequence[Sequence[Event]]:
        if authorize is not None:
            authorize(states)
        if index is not None:
            current = states[index]
            if current.exists and current.version != expected:
                raise VersionMismatch(f"{stream} is at version {current.version}, not {expected}")
        return decide(states)

    return decide_checked


def replay(receipt: Receipt, request: Request) -> Outcome:
    """The stored answer to the first try of `request`'s key, if it was the same request."""
    if receipt.fingerprint != request.fingerprint:
        raise IdempotencyKeyReused("this Idempotency-Key was already used for a different request")
    stored = receipt.response
    body = stored["body"]
    version = stored.get("version")
    return Outcome(
        int(str(stored["status"])),
        dict(body) if isinstance(body, dict) else {},
        version if isinstance(version, int) else None,
        True,
    )
