"""RFC 9162 Merkle trees: roots, and inclusion proofs that verify for every leaf of every size
and fail for any other leaf, position, size or sibling."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventcore.merkle import inclusion_proof, leaf_hash, node_hash, root, root_from_inclusion_proof


def leaves(n: int) -> list[bytes]:
    return [f"leaf {i}".encode() for i in range(n)]


def test_roots_follow_the_rfc_definition() -> None:
    a, b, c = (leaf_hash(x) for x in leaves(3))
    assert root([]) == hashlib.sha256(b"").digest()
    assert root(leaves(1)) == hashlib.sha256(b"\x00leaf 0").digest()
    assert root(leaves(2)) == hashlib.sha256(b"\x01" + a + b).digest()
    # Three leaves split at two: ((a, b), c), not (a, (b, c)).
    assert root(leaves(3)) == node_hash(node_hash(a, b), c)


def test_a_leaf_can_never_pass_for_a_node() -> None:
    a, b = (leaf_hash(x) for x in leaves(2))
    assert root([b"\x01" + a + b]) != root(leaves(2))


@given(st.integers(min_value=1, max_value=70), st.data())
def test_every_leaf_proves_its_inclusion(n: int, data: st.DataObject) -> None:
    tree = leaves(n)
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    proof = inclusion_proof(tree, index)
    assert len(proof) <= max(0, (n - 1).bit_length())
    assert root_from_inclusion_proof(index, n, tree[index], proof) == root(tree)


@pytest.mark.parametrize("n", [2, 3, 5, 8, 13])
def test_a_proof_holds_for_nothing_else(n: int) -> None:
    # (A proof may fit a larger tree that shares the path; the tree size is signed with the
    # root, so a verifier never takes the size from the proof.)
    tree = leaves(n)
    trusted = root(tree)
    for index in range(n):
        proof = inclusion_proof(tree, index)
        assert root_from_inclusion_proof(index, n, b"forged", proof) != trusted
        other = (index + 1) % n
        assert root_from_inclusion_proof(other, n, tree[index], proof) != trusted
        for at in range(len(proof)):
            changed = [*proof[:at], bytes(32), *proof[at + 1 :]]
            assert root_from_inclusion_proof(index, n, tree[index], changed) != trusted
    assert root_from_inclusion_proof(n, n, tree[0], []) is None
