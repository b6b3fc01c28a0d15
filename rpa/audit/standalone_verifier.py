#!/usr/bin/env python3
"""Verify an audit bundle of backoffice-rpa with nothing but Python 3.9+ and the `cryptography` package.

    python3 verify_bundle.py [BUNDLE_DIR]      (default: the folder this script is in)

Checks, from the bundle's own files only:
  1. manifest.json lists every file with its SHA-256 and is signed (manifest.sig) with the bundle's
     public key: one byte changed, added or removed anywhere is refused;
  2. the checkpoints are signed with that key, and each one's consistency proof (RFC 9162) shows it
     extends the one before: the log was only ever appended to;
  3. every event's hash is SHA-256 of its canonical JSON (RFC 8785) and links to the event before;
  4. the events, as Merkle leaves SHA-256(0x00 || canonical JSON), with the range proof rebuild the
     Merkle root (RFC 6962) signed by the covering checkpoint;
  5. evidence files (when included) match the SHA-256 the events recorded.
Exit code 0: verified; 1: refused (the reason is printed); 2: not a bundle.
Compare the printed key fingerprint with the one your organisation published.
This file imports nothing from backoffice-rpa; the product's own tests run it that way (python -I).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
from json.encoder import encode_basestring as _q
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

CHECKPOINT_FORMAT = "backoffice-rpa-checkpoint/2"
UNSIGNED = ("manifest.json", "manifest.sig")


class Refused(Exception):
    pass


def _sha(data: bytes) -> bytes:
    digest: bytes = hashlib.sha256(data).digest()
    return digest


def _node(left: bytes, right: bytes) -> bytes:
    return _sha(b"\x01" + left + right)


def _split(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def _mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return _sha(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return _node(_mth(leaves[:k]), _mth(leaves[k:]))


def _fold(size: int, frontier: list[bytes]) -> bytes:
    if len(frontier) != bin(size).count("1"):
        raise Refused("frontier has the wrong number of hashes")
    if not frontier:
        return _sha(b"")
    acc = frontier[-1]
    for h in reversed(frontier[:-1]):
        acc = _node(h, acc)
    return acc


def _consistent(m: int, n: int, old: bytes, new: bytes, proof: list[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2."""
    if not 0 < m <= n:
        return False
    if m == n:
        return not proof and old == new
    path = list(proof)
    if m & (m - 1) == 0:
        path.insert(0, old)
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
            fr, sr = _node(c, fr), _node(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old and sr == new


def _range_root(lo: int, hi: int, size: int, leaves: list[bytes], proof: list[bytes]) -> bytes | None:
    it = iter(proof)

    def walk(a: int, b: int) -> bytes | None:
        if b <= lo or a >= hi:
            return next(it, None)
        if lo <= a and b <= hi:
            return _mth(leaves[a - lo : b - lo])
        k = _split(b - a)
        left, right = walk(a, a + k), walk(a + k, b)
        return None if left is None or right is None else _node(left, right)

    if not 0 <= lo < hi <= size or len(leaves) != hi - lo:
        return None
    root = walk(0, size)
    return root if next(it, None) is None else None


def canonical(e: dict[str, Any]) -> bytes:
    """RFC 8785 canonical JSON of an event (details and evidence are stored as canonical JSON text)."""
    for name in ("details", "evidence"):
        try:
            json.loads(e[name])
        except ValueError as exc:
            raise Refused(f"event seq {e['seq']}: {name} is not JSON") from exc
    return (
        f'{{"action":{_q(e["action"])},"actor":{_q(e["actor"])},"details":{e["details"]},"evidence":{e["evidence"]},'
        f'"outcome":{_q(e["outcome"])},"prev_hash":{_q(e["prev_hash"])},"seq":{int(e["seq"])},'
        f'"target":{{"id":{_q(e["target_id"])},"type":{_q(e["target_type"])}}},"ts":{_q(e["ts"])}}}'
    ).encode()


def _checkpoint_message(c: dict[str, Any]) -> bytes:
    return (
        f"{CHECKPOINT_FORMAT}|{c['epoch']}|{c['index']}|{c['size']}|{c['root']}|{c['head_hash']}|"
        f"{c['prev_size']}|{c['prev_root']}|{c['ts']}|{c['reason']}"
    ).encode()


def _file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify(bundle: Path) -> str:
    """The summary line of a verified bundle; raises Refused naming what is wrong."""
    pub_path = bundle / "checkpoint-signing.pub"
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(pub_path.read_text().strip()))
    # 1. the manifest: signed, canonical, and exactly the files present
    raw = (bundle / "manifest.json").read_bytes()
    try:
        key.verify(bytes.fromhex((bundle / "manifest.sig").read_text().strip()), raw)
    except (InvalidSignature, ValueError) as exc:
        raise Refused(
            "manifest.sig: the manifest's signature does not verify with checkpoint-signing.pub"
        ) from exc
    manifest = json.loads(raw)
    if (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode() != raw:
        raise Refused("manifest.json: not in its canonical form (edited)")
    present = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()} - set(UNSIGNED)
    listed = set(manifest["files"])
    if present - listed:
        raise Refused(f"files not in the manifest: {sorted(present - listed)}")
    if listed - present:
        raise Refused(f"files listed in the manifest are missing: {sorted(listed - present)}")
    for name in sorted(listed):
        if _file_sha(bundle / name) != manifest["files"][name]:
            raise Refused(f"{name}: altered (its SHA-256 differs from the signed manifest)")
    proof = json.loads((bundle / "proof.json").read_text())
    # 2. checkpoints: signatures, links, consistency proofs
    cps = []
    for path in sorted((bundle / "checkpoints").glob("*.json")):
        c = json.loads(path.read_text())
        if c.get("format") != CHECKPOINT_FORMAT:
            raise Refused(f"checkpoint {path.name}: unknown format")
        try:
            key.verify(bytes.fromhex(c["signature"]), _checkpoint_message(c))
        except (InvalidSignature, ValueError) as exc:
            raise Refused(
                f"checkpoint {path.name}: signature does not verify (forged or another key)"
            ) from exc
        if path.name != f"{int(c['epoch']):04d}-{int(c['size']):012d}.json":
            raise Refused(f"checkpoint {path.name}: holds the checkpoint of size {c['size']} (replayed)")
        if (
            c["frontier"]
            and _fold(int(c["size"]), [bytes.fromhex(h) for h in c["frontier"]]).hex() != c["root"]
        ):
            raise Refused(f"checkpoint {path.name}: frontier does not fold to the signed root")
        cps.append((path.name, c))
    if not cps and proof.get("events"):
        raise Refused("no checkpoint in the bundle")
    for (pname, p), (cname, c) in itertools.pairwise(cps):
        if (
            c["epoch"] != p["epoch"]
            or c["index"] != p["index"] + 1
            or (c["prev_size"], c["prev_root"])
            != (
                p["size"],
                p["root"],
            )
        ):
            raise Refused(f"checkpoints {pname} → {cname}: not consecutive (one removed or replayed)")
        if not _consistent(
            int(p["size"]), int(c["size"]), bytes.fromhex(p["root"]), bytes.fromhex(c["root"]),
            [bytes.fromhex(h) for h in c["consistency"]],
        ):  # fmt: skip
            raise Refused(
                f"checkpoints {pname} → {cname} (events {p['size'] + 1}–{c['size']}): consistency proof fails"
            )
    # 3. the events: hashes and links
    leaves, events = [], []
    with (bundle / "events.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                events.append(json.loads(line))
    prev = None
    for i, e in enumerate(events):
        seq = int(e["seq"])
        if i and seq != int(events[i - 1]["seq"]) + 1:
            raise Refused(f"event seq {int(events[i - 1]['seq']) + 1}: missing from events.jsonl")
        if prev is not None and e["prev_hash"] != prev:
            raise Refused(f"event seq {seq}: link broken (prev_hash is not event {seq - 1}'s hash)")
        data = canonical(e)
        if hashlib.sha256(data).hexdigest() != e["hash"]:
            raise Refused(f"event seq {seq}: content altered (its hash does not match its fields)")
        leaves.append(_sha(b"\x00" + data))
        prev = e["hash"]
    # 4. the range proof to the covering checkpoint
    summary = "0 events"
    if events:
        first, last = int(events[0]["seq"]), int(events[-1]["seq"])
        if (first, last) != (proof["first_seq"], proof["last_seq"]):
            raise Refused(
                f"proof.json covers seq {proof['first_seq']}–{proof['last_seq']}, events.jsonl {first}–{last}"
            )
        named = [c for n, c in cps if n == proof["checkpoint"]]
        if not named:
            raise Refused(f"proof.json: checkpoint {proof['checkpoint']} is not in the bundle")
        cp = named[0]
        if cps[0][1] is not cp:
            raise Refused("proof.json: the covering checkpoint must be the bundle's first")
        root = _range_root(
            first - 1, last, int(cp["size"]), leaves, [bytes.fromhex(h) for h in proof["range_proof"]]
        )
        if root is None or root.hex() != cp["root"]:
            raise Refused(
                f"events {first}–{last}: their Merkle range proof does not lead to the root signed by "
                f"checkpoint {proof['checkpoint']} (events altered, inserted, removed or reordered)"
            )
        if int(cp["size"]) == last and cp["head_hash"] != prev:
            raise Refused(
                f"event seq {last}: hash differs from the chain head of checkpoint {proof['checkpoint']}"
            )
        summary = (
            f"{len(events)} events (seq {first}–{last}) proven in signed checkpoint {proof['checkpoint']} "
            f"(size {cp['size']}, root {cp['root'][:16]}…), consistent with {len(cps) - 1} later "
            "checkpoint(s) "
            f"up to size {cps[-1][1]['size']}"
        )
    # 5. evidence files
    evidence_dir = bundle / "evidence"
    if proof.get("with_evidence"):
        have = {}
        for f in evidence_dir.glob("*") if evidence_dir.is_dir() else []:
            digest = _file_sha(f)
            if digest != f.name.split(".")[0]:
                raise Refused(f"evidence/{f.name}: its SHA-256 does not match its name")
            have[digest] = f
        for e in events:
            for sha in json.loads(e["evidence"]):
                if sha not in have and sha not in proof.get("evidence_missing", []):
                    raise Refused(f"event seq {e['seq']}: evidence {sha} is not in the bundle")
    fingerprint = hashlib.sha256(bytes.fromhex(pub_path.read_text().strip())).hexdigest()[:32]
    return f"OK: {summary}; signing key sha256:{fingerprint}"


def main(argv: list[str]) -> int:
    bundle = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    if not (bundle / "manifest.json").is_file():
        print(f"error: {bundle} is not an audit bundle (no manifest.json)", file=sys.stderr)
        return 2
    try:
        print(verify(bundle))
    except Refused as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"FAILED: the bundle is damaged ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
