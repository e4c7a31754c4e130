"""How personal data is marked and recognised: the field marker, the token prefix, and the
event that records an erasure. Kept apart from the sealing itself so that event models can
use them without importing any cryptography or store."""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "pd1:"
# The event type that records a data subject's erasure, in any domain: after it, a personal
# field reads as null even where it holds text stored before values were sealed.
ERASURE_EVENT = "PersonalDataErased"


@dataclass(frozen=True, slots=True)
class PersonalField:
    """Marks an event field as personal data (`Annotated[str, PERSONAL]`): it must hold a
    sealed token when it is stored (`EventRegistry` refuses plain text there)."""

    purpose: str = ""


PERSONAL = PersonalField()


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)
