"""Reading a proof file: a JSON object, each key once."""

from __future__ import annotations

import pytest

from eventcore.proofs import load


def test_a_key_given_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        load('{"version": 2, "version": 3}')
    with pytest.raises(ValueError, match="twice"):
        load('{"head": {"version": 2, "version": 3}}')


def test_only_an_object_is_a_proof() -> None:
    with pytest.raises(ValueError, match="object"):
        load("[1, 2]")
    assert load('{"kind": "ledger-proof/1"}') == {"kind": "ledger-proof/1"}
