"""The Merkle tree hashes as RFC 6962 defines it; proofs verify, and fail when anything changes."""

from __future__ import annotations

import hashlib

import pytest

from rpa.audit import merkle


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, literally: the reference the fast implementation must agree with."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


LEAVES = [merkle.leaf_hash(f"event {i}".encode()) for i in range(40)]


def test_known_vector_of_rfc_6962_hashing() -> None:
    # Leaf prefix 0x00 and node prefix 0x01: the empty tree and a one-leaf tree of b"".
    assert merkle.root_of([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle.leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 31, 40])
def test_roots_match_the_rfc_definition(n: int) -> None:
    assert merkle.root_of(LEAVES[:n]) == _mth(LEAVES[:n])
    frontier = merkle.Frontier()
    for i in range(n):
        frontier.push(LEAVES[i])
        assert frontier.root() == _mth(LEAVES[: i + 1])


def test_inclusion_proofs_verify_and_reject_a_wrong_leaf() -> None:
    sub = merkle.subtree_from_leaves(LEAVES)
    for n in (1, 2, 5, 8, 13, 40):
        root = _mth(LEAVES[:n])
        for i in range(n):
            proof = merkle.inclusion_proof(i, n, sub)
            assert merkle.root_from_inclusion(i, n, LEAVES[i], proof) == root
            assert merkle.root_from_inclusion(i, n, LEAVES[(i + 1) % 40], proof) != root or n == 1


def test_consistency_proofs_verify_and_reject_another_history() -> None:
    sub = merkle.subtree_from_leaves(LEAVES)
    other = [*LEAVES[:3], merkle.leaf_hash(b"rewritten"), *LEAVES[4:]]
    for m in range(1, 41):
        for n in (m, m + 1, 17, 32, 40):
            if not m <= n <= 40:
                continue
            proof = merkle.consistency_proof(m, n, sub)
            assert merkle.verify_consistency(m, n, _mth(LEAVES[:m]), _mth(LEAVES[:n]), proof)
            if m > 3:
                assert not merkle.verify_consistency(m, n, _mth(other[:m]), _mth(LEAVES[:n]), proof)


def test_consistency_from_a_frontier_equals_the_full_computation() -> None:
    for m in (1, 5, 8, 13, 21):
        frontier = merkle.Frontier()
        frontier.extend(LEAVES[:m])
        sub = merkle.subtree_from_frontier(frontier, LEAVES[m:])
        assert merkle.consistency_proof(m, 40, sub) == merkle.consistency_proof(
            m, 40, merkle.subtree_from_leaves(LEAVES)
        )


def test_range_proofs_rebuild_the_root_only_from_the_right_leaves() -> None:
    sub = merkle.subtree_from_leaves(LEAVES)
    root = _mth(LEAVES)
    for lo, hi in [(0, 1), (0, 40), (3, 9), (16, 32), (39, 40), (7, 31)]:
        proof = merkle.range_proof(lo, hi, 40, sub)
        assert merkle.root_from_range(lo, hi, 40, LEAVES[lo:hi], proof) == root
        changed = list(LEAVES[lo:hi])
        changed[0] = merkle.leaf_hash(b"x")
        assert merkle.root_from_range(lo, hi, 40, changed, proof) != root
        if proof:
            assert merkle.root_from_range(lo, hi, 40, LEAVES[lo:hi], proof[:-1]) is None
