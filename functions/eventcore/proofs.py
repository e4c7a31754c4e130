"""Proofs anyone can check offline: one commit, tied by the stream's hash chain to a head that a
signed digest's Merkle root includes. Checking needs the proof file and the digest key's public
key, nothing else: no AWS access, no trust in whoever handed the file over.

A proof carries the commits from the one holding the version asked for up to the digested head
(each as the exact content its hash covers), the head's inclusion proof (RFC 9162) and the
digest's signed statement. Any changed byte breaks a hash, the path to the root, or the
signature.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from eventcore import merkle
from eventcore.digests import Digest, Head, statement
from eventcore.hashchain import body, hash_of
from eventcore.signatures import Verifier
from eventcore.store import EventStore

KIND = "ledger-proof/1"


class NoProof(LookupError):
    """The commit asked for cannot be proved (yet): no such version, or no digest covers it."""


def make_proof(
    store: EventStore, digests: Iterable[Digest], stream_id: str, version: int
) -> dict[str, Any]:
    """The proof of the commit holding `version` of `stream_id`, by the first digest covering it."""
    first = store.commit_containing(stream_id, version)
    if first is None:
        raise NoProof(f"{stream_id} has no version {version}")
    found = next(
        (
            (digest, index)
            for digest in digests
            if (index := digest.index_of(stream_id)) is not None
            and digest.heads[index].version >= version
        ),
        None,
    )
    if found is None:
        raise NoProof(f"no digest covers {stream_id} at version {version} yet (esctl digest)")
    digest, index = found
    head = digest.heads[index]
    commits = [first, *store.read(stream_id, after=first.last_version, to=head.version)]
    return {
        "kind": KIND,
        "stream_id": stream_id,
        "version": version,
        "commits": [
            {
                "content": body(c.stream_id, c.version, c.events, c.meta, c.prev_hash),
                "hash": c.hash,
            }
            for c in commits
        ],
        "head": head.to_json(),
        "leaf_index": index,
        "inclusion_proof": digest.proof_for(index),
        "digest": {k: v for k, v in digest.to_json().items() if k != "heads"},
    }


def proof_problem(proof: dict[str, Any], verifier: Verifier) -> str | None:
    """Why `proof` does not prove its commit, or None when it does."""
    try:
        return _problem(proof, verifier)
    except (LookupError, TypeError, ValueError, AttributeError) as malformed:
        return f"the proof is malformed ({type(malformed).__name__}: {malformed})"


def _problem(proof: dict[str, Any], verifier: Verifier) -> str | None:
    if proof["kind"] != KIND:
        return f"not a {KIND} document"
    digest = proof["digest"]
    signed = statement(
        _int(digest["sequence"]),
        _str(digest["previous"]),
        _str(digest["issued_at"]),
        _int(digest["tree_size"]),
        _str(digest["root"]),
    )
    if not verifier.verify(signed, str(digest["signature"])):
        return f"digest {digest['sequence']}: its signature is not the digest key's"
    raw = proof["head"]
    head = Head(_str(raw["stream_id"]), _int(raw["version"]), _str(raw["hash"]))
    if head.stream_id != proof["stream_id"]:
        return "the digested head is another stream's"
    problem = _chain_problem(proof, head)
    if problem is not None:
        return problem
    path = [bytes.fromhex(p) for p in proof["inclusion_proof"]]
    reached = merkle.root_from_inclusion_proof(
        _int(proof["leaf_index"]), _int(digest["tree_size"]), head.leaf(), path
    )
    if reached is None or reached.hex() != digest["root"]:
        return f"the head is not in digest {digest['sequence']}'s signed Merkle tree"
    return None


def _chain_problem(proof: dict[str, Any], head: Head) -> str | None:
    """Whether the commits run, link by link, from the one holding the version to the head."""
    version, previous = _int(proof["version"]), None
    for entry in proof["commits"]:
        content = entry["content"]
        if hash_of(content) != entry["hash"]:
            return f"the commit at version {content['version']} does not match its hash"
        if content["stream_id"] != head.stream_id:
            return "a commit belongs to another stream"
        if previous is not None and (
            content["version"] != previous[0] + 1 or content["prev_hash"] != previous[1]
        ):
            return f"the commit at version {content['version']} does not follow the one before"
        previous = (content["version"] + len(content["events"]) - 1, entry["hash"])
    first = proof["commits"][0]["content"]
    if not first["version"] <= version <= first["version"] + len(first["events"]) - 1:
        return f"the first commit does not hold version {version}"
    if previous is None or previous != (head.version, head.hash):
        return "the commits do not end at the digested head"
    return None


def _int(value: Any) -> int:
    # bool is an int to Python, and 7.9 would pass int() as 7: a proof says exactly what it means.
    if type(value) is not int:
        raise TypeError(f"{value!r} is not an integer")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not a string")
    return value


def load(text: str) -> dict[str, Any]:
    """A proof file's JSON, refusing a key given twice (which one would a reader believe?)."""

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError(f"a key is given twice among {sorted(keys)}")
        return dict(pairs)

    loaded = json.loads(text, object_pairs_hook=unique)
    if not isinstance(loaded, dict):
        raise ValueError("a proof is a JSON object")
    return loaded
