"""Merkle trees over the audit trail, hashed as RFC 6962 / RFC 9162 define them.

A leaf is ``SHA-256(0x00 || canonical event bytes)``, an inner node ``SHA-256(0x01 || left || right)``;
a tree of ``n`` leaves splits at the largest power of two below ``n``. Built bottom-up (an unpaired
last node is carried up unchanged), which gives the same root as the RFC's recursive definition.

:class:`Frontier` keeps the roots of the perfect subtrees a growing log decomposes into, so the root
after each appended leaf costs O(log n) and a whole log is folded in O(n). Proofs (inclusion,
consistency, range) are computed from any ``subtree(lo, hi)`` function, so they work from a full list
of leaves or from a checkpoint's frontier plus the leaves written after it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

Hash = bytes
Subtree = Callable[[int, int], Hash]

EMPTY_ROOT = hashlib.sha256(b"").digest()
_sha = hashlib.sha256


def leaf_hash(data: bytes) -> Hash:
    return _sha(b"\x00" + data).digest()


def node_hash(left: Hash, right: Hash) -> Hash:
    return _sha(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly below ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaves: Sequence[Hash]) -> Hash:
    """The Merkle tree hash of ``leaves`` (already leaf-hashed), in O(n)."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    while len(level) > 1:
        odd = level[-1] if len(level) % 2 else None
        level = [_sha(b"\x01" + a + b).digest() for a, b in zip(level[0::2], level[1::2], strict=False)]
        if odd is not None:
            level.append(odd)
    return level[0]


class Frontier:
    """The perfect subtrees of a log of ``size`` leaves, largest first: a binary counter of hashes."""

    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes: Sequence[Hash] = ()) -> None:
        if len(hashes) != bin(size).count("1"):
            raise ValueError(
                f"a frontier of {size} leaves has {bin(size).count('1')} hashes, not {len(hashes)}"
            )
        self.size = size
        self.hashes = list(hashes)

    def copy(self) -> Frontier:
        return Frontier(self.size, self.hashes)

    def push(self, leaf: Hash) -> None:
        hashes, size = self.hashes, self.size
        hashes.append(leaf)
        while size & 1:  # each trailing 1 bit of the old size is a subtree the new one merges with
            right = hashes.pop()
            hashes[-1] = _sha(b"\x01" + hashes[-1] + right).digest()
            size >>= 1
        self.size += 1

    def extend(self, leaves: Sequence[Hash]) -> None:
        for leaf in leaves:
            self.push(leaf)

    def root(self) -> Hash:
        if not self.hashes:
            return EMPTY_ROOT
        acc = self.hashes[-1]
        for h in reversed(self.hashes[:-1]):
            acc = _sha(b"\x01" + h + acc).digest()
        return acc

    def ranges(self) -> list[tuple[int, int]]:
        """The leaf ranges ``[lo, hi)`` of the frontier's hashes, in order."""
        spans, lo = [], 0
        for bit in reversed(range(self.size.bit_length())):
            if self.size >> bit & 1:
                spans.append((lo, lo + (1 << bit)))
                lo += 1 << bit
        return spans


def subtree_from_leaves(leaves: Sequence[Hash]) -> Subtree:
    """``subtree(lo, hi)`` over a full list of leaf hashes."""

    def subtree(lo: int, hi: int) -> Hash:
        return root_of(leaves[lo:hi])

    return subtree


def subtree_from_frontier(frontier: Frontier, new_leaves: Sequence[Hash]) -> Subtree:
    """``subtree(lo, hi)`` over a log known as ``frontier`` (its first leaves) plus ``new_leaves``.

    Ranges inside the frontier's part must be unions of its perfect subtrees, which is all the
    consistency proof from the frontier's size ever asks for.
    """
    m = frontier.size
    spans = dict(zip(frontier.ranges(), frontier.hashes, strict=True))

    def subtree(lo: int, hi: int) -> Hash:
        if lo >= m:
            return root_of(new_leaves[lo - m : hi - m])
        if hi <= m and (lo, hi) in spans:
            return spans[(lo, hi)]
        k = split_point(hi - lo)
        return node_hash(subtree(lo, lo + k), subtree(lo + k, hi))

    return subtree


# --- inclusion (RFC 9162 2.1.3) ---------------------------------------------------------------------


def inclusion_proof(index: int, size: int, subtree: Subtree) -> list[Hash]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves, from the leaf upwards."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")

    def path(m: int, lo: int, hi: int) -> list[Hash]:
        n = hi - lo
        if n == 1:
            return []
        k = split_point(n)
        if m < k:
            return [*path(m, lo, lo + k), subtree(lo + k, hi)]
        return [*path(m - k, lo + k, hi), subtree(lo, lo + k)]

    return path(index, 0, size)


def root_from_inclusion(index: int, size: int, leaf: Hash, proof: Sequence[Hash]) -> Hash | None:
    """The root the audit path leads to, or None when the path has the wrong shape (RFC 9162 2.1.3.2)."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


# --- consistency (RFC 9162 2.1.4) -------------------------------------------------------------------


def consistency_proof(m: int, n: int, subtree: Subtree) -> list[Hash]:
    """The proof that the tree of ``m`` leaves is a prefix of the tree of ``n`` leaves."""
    if not 0 < m <= n:
        raise ValueError(f"no consistency proof from {m} to {n} leaves")

    def sub(m: int, lo: int, hi: int, whole: bool) -> list[Hash]:
        n = hi - lo
        if m == n:
            return [] if whole else [subtree(lo, hi)]
        k = split_point(n)
        if m <= k:
            return [*sub(m, lo, lo + k, whole), subtree(lo + k, hi)]
        return [*sub(m - k, lo + k, hi, False), subtree(lo, lo + k)]

    return sub(m, 0, n, True)


def verify_consistency(m: int, n: int, old_root: Hash, new_root: Hash, proof: Sequence[Hash]) -> bool:
    """RFC 9162 2.1.4.2: does ``proof`` show the tree (m, old_root) is a prefix of (n, new_root)?"""
    if not 0 < m <= n:
        return False
    if m == n:
        return not proof and old_root == new_root
    path = list(proof)
    if m & (m - 1) == 0:  # m is a power of two: the old root is the first node of the path
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# --- a contiguous range of leaves -------------------------------------------------------------------


def range_proof(lo: int, hi: int, size: int, subtree: Subtree) -> list[Hash]:
    """The hashes of every maximal subtree outside leaves ``[lo, hi)`` of a tree of ``size`` leaves,
    in depth-first order: with the range's own leaves they rebuild the root."""
    if not 0 <= lo < hi <= size:
        raise ValueError(f"leaves [{lo}, {hi}) are not a range of a tree of {size} leaves")
    out: list[Hash] = []

    def walk(a: int, b: int) -> None:
        if b <= lo or a >= hi:
            out.append(subtree(a, b))
        elif lo <= a and b <= hi:
            return
        else:
            k = split_point(b - a)
            walk(a, a + k)
            walk(a + k, b)

    walk(0, size)
    return out


def root_from_range(
    lo: int, hi: int, size: int, leaves: Sequence[Hash], proof: Sequence[Hash]
) -> Hash | None:
    """The root that leaves ``[lo, hi)`` and their range proof lead to; None if the proof is malformed."""
    if not 0 <= lo < hi <= size or len(leaves) != hi - lo:
        return None
    it = iter(proof)

    def walk(a: int, b: int) -> Hash | None:
        if b <= lo or a >= hi:
            return next(it, None)
        if lo <= a and b <= hi:
            return root_of(leaves[a - lo : b - lo])
        k = split_point(b - a)
        left, right = walk(a, a + k), walk(a + k, b)
        return None if left is None or right is None else node_hash(left, right)

    root = walk(0, size)
    return root if next(it, None) is None else None
