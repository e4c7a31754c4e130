"""Personal data, kept so that it can be erased without changing history: each value is sealed
(AES-256-GCM) under a data key of its data subject, and the sealed token is what events,
snapshots, read models and integration events hold, and what the hash chain covers. Erasing a
subject destroys its key: every token sealed under it then reveals nothing, wherever a copy of
it went.

A token names its subject (`pd1:<subject>:<base64url of nonce, ciphertext and tag>`), so a
reader needs nothing else to look the key up, and its ciphertext is bound to the subject and
to what it is (the associated data), so a token cannot be moved to another subject's record or
field. Values are revealed only where an authorised reader is answered.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Collection, Sequence
from typing import Any, Protocol

from eventcore.personal_marks import ERASURE_EVENT, PERSONAL, PREFIX, PersonalField, is_sealed
from eventcore.store import StoreUnavailable

__all__ = [
    "ERASURE_EVENT",
    "PERSONAL",
    "PersonalData",
    "PersonalDataUnavailable",
    "PersonalField",
    "SubjectKeys",
    "is_sealed",
]

NONCE_BYTES = 12
KEY_BYTES = 32


class PersonalDataUnavailable(StoreUnavailable):
    """The key store or its master key did not answer: nothing can be sealed or revealed now
    (the API's 503, as for any store that is out of reach)."""


class SubjectKeys(Protocol):
    """The data keys of data subjects, kept wrapped by a master key."""

    def create(self, subject: str) -> bytes:
        """A new key for `subject` (or the one a concurrent create made first)."""
        ...

    def get_many(self, subjects: Collection[str]) -> dict[str, bytes]:
        """The keys of those of `subjects` that have one, read from the store every time (a
        key destroyed a moment ago is not returned, whatever was cached)."""
        ...

    def destroy(self, subject: str) -> None: ...


def subject_of(token: str) -> str:
    return _parse(token)[0]


def _parse(token: str) -> tuple[str, bytes]:
    try:
        subject, blob = token[len(PREFIX) :].rsplit(":", 1)
        raw = base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4))
    except ValueError as error:
        raise ValueError("not a sealed token") from error
    if not subject or len(raw) <= NONCE_BYTES:
        raise ValueError("not a sealed token")
    return subject, raw


class PersonalData:
    """Seals personal values under their subjects' keys and reveals them. Every reveal asks the
    key store whether the key still exists (one batched read for a page of values), so an
    erasure takes effect at once in every container; what a key store may cache is the
    unwrapping of a key, never whether it exists."""

    def __init__(self, keys: Callable[[], SubjectKeys]) -> None:
        self._keys_of = keys  # built on first use: a host that never seals needs no key store

    @property
    def keys(self) -> SubjectKeys:
        return self._keys_of()

    def seal(self, subject: str, purpose: str, value: str) -> str:
        if ":" in subject or not subject:
            raise ValueError("a subject is a non-empty id without ':'")
        key = self.keys.create(subject)
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = _aead(key).encrypt(nonce, value.encode(), _context(subject, purpose))
        blob = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{PREFIX}{subject}:{blob}"

    def reveal(self, value: str | None, purpose: str) -> str | None:
        """The value a token seals; None once its subject's key is destroyed (or for a token
        that is not one). A value that is not a token is returned as it is: text stored before
        personal data was sealed."""
        return self.reveal_many([value], purpose)[0]

    def reveal_many(self, values: Sequence[str | None], purpose: str) -> list[str | None]:
        """`reveal` of each, with one read of the key store for all of them."""
        parsed: dict[int, tuple[str, bytes]] = {}
        for position, value in enumerate(values):
            if is_sealed(value):
                try:
                    parsed[position] = _parse(str(value))
                except ValueError:
                    parsed[position] = ("", b"")
        subjects = {subject for subject, _ in parsed.values() if subject}
        keys = self.keys.get_many(subjects) if subjects else {}
        shown: list[str | None] = list(values)
        for position, (subject, raw) in parsed.items():
            key = keys.get(subject)
            shown[position] = _open(key, subject, purpose, raw) if key else None
        return shown

    def forget(self, subject: str) -> None:
        """Destroy the subject's key: nothing sealed under it can be revealed again."""
        self.keys.destroy(subject)


def _open(key: bytes, subject: str, purpose: str, raw: bytes) -> str | None:
    from cryptography.exceptions import InvalidTag

    try:
        plain: bytes = _aead(key).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], _context(subject, purpose)
        )
    except InvalidTag:
        return None  # changed, or sealed for another subject or field
    return plain.decode()


def _context(subject: str, purpose: str) -> bytes:
    return f"{PREFIX}{subject}:{purpose}".encode()


def _aead(key: bytes) -> Any:
    # Imported on first use: the functions that never touch personal data do not load it.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)
