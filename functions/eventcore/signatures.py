"""The signature ports: making a statement only its signer could have made, and checking one.

Signatures travel as text (base64 of the algorithm's bytes) inside JSON documents: snapshots
now, digests and proofs later. A verifier answers False for anything it cannot check (a
malformed signature, a key it could not obtain): callers treat that as "not authentic".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class Signer(Protocol):
    def sign(self, message: bytes) -> str:
        """A signature of `message`, as base64 text."""
        ...


class Verifier(Protocol):
    def verify(self, message: bytes, signature: str) -> bool:
        """Whether `signature` is the signer's signature of `message`."""
        ...


class RefuseAll:
    """The verifier of a deployment that names no key: nothing it is shown is authentic."""

    def verify(self, message: bytes, signature: str) -> bool:
        return False


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A key as one process holds it: the means to check, and to sign where it may sign."""

    verifier: Verifier
    signer: Signer | None = None
