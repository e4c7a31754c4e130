"""Digests: signed statements of streams' heads, chained to each other, that an auditor keeps
apart from the table. The hash chain proves a stream was not edited; a digest also proves what
its newest commit was, so a consistently re-sealed chain, cut-off commits and a deleted stream
show as differences from a signed digest.

Each digest covers the streams that changed since the one before (its cost grows with them,
not with all streams) as the leaves of an RFC 9162 Merkle tree, and names the previous digest's
hash, so the digests form one chain of their own: a digest removed from the middle breaks it.
The signature covers the statement (sequence, previous, time, tree size and root); the heads
are checked by recomputing the root from them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from eventcore import merkle
from eventcore.signatures import Verifier

KIND = "ledger-digest/1"
NO_PREVIOUS = ""


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def statement(sequence: int, previous: str, issued_at: str, tree_size: int, root: str) -> bytes:
    """What a digest's signature covers (a proof rebuilds it without the digest's heads)."""
    return _canonical(
        {
            "kind": KIND,
            "sequence": sequence,
            "previous": previous,
            "issued_at": issued_at,
            "tree_size": tree_size,
            "root": root,
        }
    )


@dataclass(frozen=True, slots=True, order=True)
class Head:
    """A stream's newest commit when a digest was made: the version it ends at, and its hash."""

    stream_id: str
    version: int
    hash: str

    def leaf(self) -> bytes:
        """The Merkle leaf: the head, canonically encoded."""
        return _canonical({"stream_id": self.stream_id, "version": self.version, "hash": self.hash})

    def to_json(self) -> dict[str, Any]:
        return {"stream_id": self.stream_id, "version": self.version, "hash": self.hash}


@dataclass(frozen=True, slots=True)
class Digest:
    sequence: int
    previous: str  # the previous digest's `digest_hash`, or NO_PREVIOUS for the first
    issued_at: str
    heads: tuple[Head, ...]  # sorted by stream id, one per stream
    root: str = field(default="")  # hex MTH over the heads' leaves
    signature: str = ""

    def statement(self) -> bytes:
        """What the signature covers."""
        return statement(self.sequence, self.previous, self.issued_at, len(self.heads), self.root)

    @property
    def digest_hash(self) -> str:
        """How the next digest names this one."""
        return hashlib.sha256(self.statement()).hexdigest()

    def index_of(self, stream_id: str) -> int | None:
        for index, head in enumerate(self.heads):
            if head.stream_id == stream_id:
                return index
        return None

    def proof_for(self, index: int) -> list[str]:
        leaves = [h.leaf() for h in self.heads]
        return [p.hex() for p in merkle.inclusion_proof(leaves, index)]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": KIND,
            "sequence": self.sequence,
            "previous": self.previous,
            "issued_at": self.issued_at,
            "tree_size": len(self.heads),
            "root": self.root,
            "signature": self.signature,
            "heads": [h.to_json() for h in self.heads],
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Digest:
        """A digest as stored; raises ValueError (KeyError, TypeError) on a malformed one."""
        if raw.get("kind") != KIND:
            raise ValueError(f"not a {KIND} document")
        heads = tuple(Head(h["stream_id"], int(h["version"]), h["hash"]) for h in raw["heads"])
        if len(heads) != raw["tree_size"]:
            raise ValueError("tree_size does not match the heads listed")
        return cls(
            int(raw["sequence"]),
            str(raw["previous"]),
            str(raw["issued_at"]),
            heads,
            str(raw["root"]),
            str(raw.get("signature", "")),
        )


def unsigned_digest(previous: Digest | None, heads: Iterable[Head], issued_at: str) -> Digest:
    """The digest that follows `previous` (None: the first), over `heads` (one per stream)."""
    ordered = tuple(sorted({h.stream_id: h for h in heads}.values()))
    root = merkle.root([h.leaf() for h in ordered]).hex()
    if previous is None:
        return Digest(1, NO_PREVIOUS, issued_at, ordered, root)
    return Digest(previous.sequence + 1, previous.digest_hash, issued_at, ordered, root)


def digest_problem(digest: Digest, verifier: Verifier) -> str | None:
    """Why `digest` cannot be trusted on its own (signature, root, order), or None."""
    if not digest.signature or not verifier.verify(digest.statement(), digest.signature):
        return f"digest {digest.sequence}: its signature is not the digest key's"
    if merkle.root([h.leaf() for h in digest.heads]).hex() != digest.root:
        return f"digest {digest.sequence}: its heads do not hash to its signed root"
    names = [h.stream_id for h in digest.heads]
    if names != sorted(set(names)):
        return f"digest {digest.sequence}: its heads are not one per stream in order"
    return None


def chain_problem(digests: Sequence[Digest], verifier: Verifier) -> str | None:
    """Why the digests, oldest first, are not one unbroken signed chain from the first, or None."""
    previous: Digest | None = None
    for digest in digests:
        if (problem := digest_problem(digest, verifier)) is not None:
            return problem
        expected = 1 if previous is None else previous.sequence + 1
        link = NO_PREVIOUS if previous is None else previous.digest_hash
        if digest.sequence != expected:
            return f"digest {expected} is missing (found {digest.sequence} next)"
        if digest.previous != link:
            return f"digest {digest.sequence}: does not name digest {expected - 1} before it"
        previous = digest
    return None


class DigestStore(Protocol):
    """Where digests are kept: written once, never changed (object-locked storage on AWS)."""

    def latest(self) -> Digest | None:
        """The digest with the highest sequence, in one request."""
        ...

    def put(self, digest: Digest) -> None:
        """Keep `digest`; raise `DigestTaken` if one with its sequence is already kept."""
        ...

    def all(self) -> Iterable[Digest]:
        """Every digest kept, oldest first."""
        ...


class DigestTaken(Exception):
    """Another digester kept a digest with this sequence first."""
