"""The encryption boundary: personal values sealed per data subject, revealed while the
subject's key exists, and nothing once it is destroyed; plain text refused where an event
marks a field as personal."""

from __future__ import annotations

import pytest

from domains.accounts.events import AccountOpened, registry
from eventcore.memory import InMemorySubjectKeys
from eventcore.personal import PersonalData, is_sealed, subject_of


def personal() -> tuple[PersonalData, InMemorySubjectKeys]:
    keys = InMemorySubjectKeys()
    return PersonalData(lambda: keys), keys


def test_a_sealed_value_names_its_subject_and_reveals_only_with_its_key():
    data, _ = personal()
    token = data.seal("acct-1", "owner", "Zoë Quaranta-Kürşat 🙂")
    assert is_sealed(token)
    assert subject_of(token) == "acct-1"
    assert "Zo" not in token
    assert data.reveal(token, "owner") == "Zoë Quaranta-Kürşat 🙂"
    assert data.seal("acct-1", "owner", "same") != data.seal("acct-1", "owner", "same")  # nonces


def test_a_destroyed_key_decrypts_nothing_ever_again():
    data, keys = personal()
    token = data.seal("acct-1", "owner", "Ada")
    data.forget("acct-1")
    assert keys.get_many(["acct-1"]) == {}
    assert data.reveal(token, "owner") is None
    fresh, _ = PersonalData(lambda: keys), None  # another container, cold
    assert fresh.reveal(token, "owner") is None


def test_another_container_stops_revealing_at_once():
    keys = InMemorySubjectKeys()
    here, there = PersonalData(lambda: keys), PersonalData(lambda: keys)
    token = here.seal("acct-1", "owner", "Ada")
    assert there.reveal(token, "owner") == "Ada"
    here.forget("acct-1")
    assert there.reveal(token, "owner") is None


def test_many_values_are_revealed_with_one_read_of_the_keys():
    keys = InMemorySubjectKeys()
    reads: list[set[str]] = []
    original = keys.get_many

    def counting(subjects):  # type: ignore[no-untyped-def]
        reads.append(set(subjects))
        return original(subjects)

    keys.get_many = counting  # type: ignore[method-assign]
    data = PersonalData(lambda: keys)
    tokens = [data.seal(f"acct-{n}", "owner", f"name {n}") for n in range(3)]
    data.forget("acct-1")
    reads.clear()
    shown = data.reveal_many([*tokens, None, "legacy name"], "owner")
    assert shown == ["name 0", None, "name 2", None, "legacy name"]
    assert reads == [{"acct-0", "acct-1", "acct-2"}]


def test_a_token_moved_to_another_subject_or_field_or_changed_reveals_nothing():
    data, _ = personal()
    token = data.seal("acct-1", "owner", "Ada")
    data.seal("acct-2", "owner", "Bob")  # acct-2 has a key too
    moved = token.replace("pd1:acct-1:", "pd1:acct-2:")
    assert data.reveal(moved, "owner") is None
    assert data.reveal(token, "nickname") is None
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    assert data.reveal(flipped, "owner") is None
    assert data.reveal("pd1:nonsense", "owner") is None


def test_text_stored_before_sealing_reads_as_it_was():
    data, _ = personal()
    assert data.reveal("Ada Lovelace", "owner") == "Ada Lovelace"
    assert data.reveal(None, "owner") is None


def test_the_registry_refuses_to_store_a_personal_field_in_plain_text():
    assert registry.personal_fields("AccountOpened") == ("owner",)
    with pytest.raises(ValueError, match="personal data"):
        registry.to_stored(AccountOpened(owner="Ada", currency="EUR"))
    data, _ = personal()
    sealed = AccountOpened(owner=data.seal("a", "owner", "Ada"), currency="EUR")
    assert registry.to_stored(sealed).data["owner"].startswith("pd1:a:")
