"""Signed checkpoints: the Merkle root of the whole trail, signed with Ed25519, kept outside the database.

A checkpoint signs ``(epoch, index, size, root, head hash, previous size, previous root, time, reason)``:
the RFC 6962 Merkle root of the first ``size`` events, the chain hash of event ``size``, and the
checkpoint before it. Each file also carries, unsigned but checkable, the consistency proof from the
previous checkpoint (RFC 9162) and the frontier (the roots of the perfect subtrees of the log, which
fold to the signed root). So the checkpoints alone prove that each one extends the one before, and a
log rewritten with recomputed hashes cannot reproduce a signed root.

Files are ``<dir>/checkpoints/EEEE-SSSSSSSSSSSS.json`` (epoch, size). A new epoch starts when a
database is adopted (``rpa db adopt``): its first checkpoint links to the last of the previous epoch
without a consistency proof, and later verification checks the database against its own epoch.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from filelock import FileLock
from loguru import logger
from pydantic import SecretStr
from sqlalchemy import text

from rpa.audit import merkle
from rpa.audit.trail import GENESIS_HASH
from rpa.audit.walk import ChainWalker, stream
from rpa.errors import AuditIntegrityError
from rpa.store.db import Database

_NAME = re.compile(r"^(\d{4})-(\d{12})\.json$")
_LEGACY_NAME = re.compile(r"^(\d{12})\.json$")
FORMAT = "backoffice-rpa-checkpoint/2"


@dataclass(frozen=True)
class Checkpoint:
    epoch: int
    index: int
    size: int
    root: str
    head_hash: str
    prev_size: int
    prev_root: str
    ts: str
    reason: str
    consistency: tuple[str, ...] = ()
    frontier: tuple[str, ...] = ()
    signature: str = ""
    path: Path | None = field(default=None, compare=False)

    @property
    def seq(self) -> int:  # the chain head it covers (the name the first checkpoints used)
        return self.size

    @property
    def hash(self) -> str:
        return self.head_hash

    @property
    def name(self) -> str:
        return f"{self.epoch:04d}-{self.size:012d}.json"

    @property
    def label(self) -> str:
        return self.path.name if self.path is not None else self.name

    def message(self) -> bytes:
        return (
            f"{FORMAT}|{self.epoch}|{self.index}|{self.size}|{self.root}|{self.head_hash}|"
            f"{self.prev_size}|{self.prev_root}|{self.ts}|{self.reason}"
        ).encode()

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("path")
        data["format"] = FORMAT
        data["consistency"], data["frontier"] = list(self.consistency), list(self.frontier)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], path: Path | None = None) -> Checkpoint:
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r} is not {FORMAT}")
        return cls(
            epoch=int(data["epoch"]),
            index=int(data["index"]),
            size=int(data["size"]),
            root=str(data["root"]),
            head_hash=str(data["head_hash"]),
            prev_size=int(data["prev_size"]),
            prev_root=str(data["prev_root"]),
            ts=str(data["ts"]),
            reason=str(data["reason"]),
            consistency=tuple(str(h) for h in data.get("consistency", ())),
            frontier=tuple(str(h) for h in data.get("frontier", ())),
            signature=str(data["signature"]),
            path=path,
        )


@dataclass(frozen=True)
class LegacyCheckpoint:
    """A chain-head checkpoint of the first format (``SSSSSSSSSSSS.json``): checked against the chain."""

    seq: int
    hash: str
    ts: str
    reason: str
    signature: str
    path: Path

    def message(self) -> bytes:
        return f"backoffice-rpa-checkpoint|{self.seq}|{self.hash}|{self.ts}|{self.reason}".encode()


@dataclass(frozen=True)
class Loaded:
    """Every checkpoint file, read and checked on its own and against its neighbours."""

    checkpoints: tuple[Checkpoint, ...]
    legacy: tuple[LegacyCheckpoint, ...]
    problems: tuple[str, ...]

    @property
    def latest(self) -> Checkpoint | None:
        return self.checkpoints[-1] if self.checkpoints else None

    def current_epoch(self) -> tuple[Checkpoint, ...]:
        if not self.checkpoints:
            return ()
        epoch = self.checkpoints[-1].epoch
        return tuple(c for c in self.checkpoints if c.epoch == epoch)


def public_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def check_sequence(cps: Sequence[Checkpoint], key: Ed25519PublicKey) -> list[str]:
    """Signatures, names, frontiers, links and consistency proofs of checkpoints sorted by (epoch, size)."""
    problems: list[str] = []
    for cp in cps:
        try:
            key.verify(bytes.fromhex(cp.signature), cp.message())
        except (InvalidSignature, ValueError):
            problems.append(
                f"checkpoint {cp.label}: signature does not verify with the installation's public key "
                "(forged, or signed with another key)"
            )
            continue
        if cp.path is not None and cp.path.name != cp.name:
            problems.append(
                f"checkpoint {cp.path.name}: holds the signed checkpoint of epoch {cp.epoch} size {cp.size} "
                f"({cp.name}) — an older checkpoint replayed under another name"
            )
        if (
            cp.frontier
            and merkle.Frontier(cp.size, [bytes.fromhex(h) for h in cp.frontier]).root().hex() != cp.root
        ):
            problems.append(f"checkpoint {cp.label}: its frontier does not fold to its signed root")
    if problems:
        return problems
    previous: Checkpoint | None = None
    for cp in cps:
        span = f"{previous.label} → {cp.label}" if previous else cp.label
        if previous is None:
            if (cp.epoch, cp.index, cp.prev_size, cp.prev_root) != (0, 0, 0, ""):
                problems.append(
                    f"checkpoint {cp.label}: is not the first checkpoint of the trail (epoch {cp.epoch}, "
                    f"index {cp.index}): the checkpoints before it are missing"
                )
        elif cp.epoch == previous.epoch:
            if cp.index != previous.index + 1 or (cp.prev_size, cp.prev_root) != (
                previous.size,
                previous.root,
            ):
                problems.append(
                    f"checkpoints {span}: not consecutive (index {previous.index} → {cp.index}, it names "
                    f"size {cp.prev_size} as its predecessor): a checkpoint was removed or an older one "
                    "replayed"
                )
            elif not merkle.verify_consistency(
                previous.size,
                cp.size,
                bytes.fromhex(previous.root),
                bytes.fromhex(cp.root),
                [bytes.fromhex(h) for h in cp.consistency],
            ):
                problems.append(
                    f"checkpoints {span} (events {previous.size + 1}–{cp.size}): the consistency proof "
                    "fails — "
                    f"the log signed at size {cp.size} does not extend the log signed at size {previous.size}"
                )
        elif (
            cp.epoch != previous.epoch + 1
            or cp.index != 0
            or (cp.prev_size, cp.prev_root)
            != (
                previous.size,
                previous.root,
            )
        ):
            problems.append(
                f"checkpoints {span}: epoch {cp.epoch} does not follow epoch {previous.epoch}'s last "
                "checkpoint"
            )
        previous = cp
    return problems


class CheckpointStore:
    """Checkpoint files under ``<audit dir>/checkpoints`` and the signing key under ``<audit dir>/keys``."""

    def __init__(self, audit_dir: Path, signing_key: SecretStr | None = None, public_key: str = "") -> None:
        self.dir = audit_dir / "checkpoints"
        self.key_dir = audit_dir / "keys"
        self._configured_key = signing_key.get_secret_value() if signing_key else ""
        self._pinned = public_key.strip().lower()

    # --- keys ---------------------------------------------------------------------------------------
    def _private_key(self) -> Ed25519PrivateKey:
        if self._configured_key:
            return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(self._configured_key))
        path = self.key_dir / "checkpoint-signing.key"
        if path.exists():
            mode = path.stat().st_mode & 0o777
            if mode & 0o077:
                raise AuditIntegrityError(
                    f"{path} is readable by other accounts (mode {mode:o}): whoever reads it can sign a "
                    f"rewritten trail. Restrict it (chmod 600 {path}) and consider the key compromised",
                    code="SIGNING_KEY_EXPOSED",
                )
            return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(path.read_text().strip()))
        key = Ed25519PrivateKey.generate()
        self.key_dir.mkdir(parents=True, exist_ok=True)
        raw = key.private_bytes_raw().hex()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(raw)
        self.public_key_path().write_text(public_hex(key.public_key()))
        return key

    def sign(self, data: bytes) -> str:
        return self._private_key().sign(data).hex()

    def public_key_path(self) -> Path:
        return self.key_dir / "checkpoint-signing.pub"

    def public_key(self) -> Ed25519PublicKey:
        path = self.public_key_path()
        if not path.exists():
            key = self._private_key().public_key()
            self.key_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(public_hex(key))
        else:
            key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(path.read_text().strip()))
        if self._pinned and public_hex(key) != self._pinned:
            raise AuditIntegrityError(
                f"{path} is not the public key pinned in settings (audit.public_key): the key file was "
                "replaced, so checkpoints signed with it prove nothing",
                code="AUDIT_KEY_MISMATCH",
            )
        return key

    # --- reading ------------------------------------------------------------------------------------
    def load_all(self) -> Loaded:
        """Every checkpoint file, each checked; problems are listed, never raised."""
        if not self.dir.is_dir():
            return Loaded((), (), ())
        key = self.public_key()
        cps: list[Checkpoint] = []
        legacy: list[LegacyCheckpoint] = []
        problems: list[str] = []
        for path in sorted(self.dir.glob("*.json")):
            try:
                data = json.loads(path.read_text())
                if _LEGACY_NAME.match(path.name):
                    old = LegacyCheckpoint(
                        int(data["seq"]), str(data["hash"]), str(data["ts"]), str(data["reason"]),
                        str(data["signature"]), path,
                    )  # fmt: skip
                    key.verify(bytes.fromhex(old.signature), old.message())
                    legacy.append(old)
                else:
                    cps.append(Checkpoint.from_json(data, path))
            except (InvalidSignature, ValueError, TypeError, KeyError, OSError) as exc:
                problems.append(
                    f"checkpoint {path.name}: unreadable or invalid ({type(exc).__name__}: {exc})"
                )
        cps.sort(key=lambda c: (c.epoch, c.size, c.index))
        problems += check_sequence(cps, key)
        return Loaded(tuple(cps), tuple(legacy), tuple(problems))

    def latest(self) -> Checkpoint | None:
        """The newest checkpoint, its signature and frontier checked (the full sequence: :meth:`load_all`)."""
        if not self.dir.is_dir():
            return None
        names = sorted(p for p in self.dir.glob("*.json") if _NAME.match(p.name))
        if not names:
            return None
        try:
            cp = Checkpoint.from_json(json.loads(names[-1].read_text()), names[-1])
        except (ValueError, TypeError, KeyError, OSError) as exc:
            raise AuditIntegrityError(
                f"checkpoint {names[-1]}: unreadable or invalid ({type(exc).__name__}: {exc})",
                code="AUDIT_CHECKPOINT_INVALID",
            ) from exc
        problems = [p for p in check_sequence([cp], self.public_key()) if "is not the first" not in p]
        if problems:
            raise AuditIntegrityError(problems[0], code="AUDIT_CHECKPOINT_INVALID")
        return cp

    def load(self) -> list[Checkpoint]:
        """Every checkpoint, checked; any problem is an integrity error naming the file or span."""
        loaded = self.load_all()
        if loaded.problems:
            raise AuditIntegrityError(loaded.problems[0], code="AUDIT_CHECKPOINT_INVALID")
        return list(loaded.checkpoints)

    # --- writing ------------------------------------------------------------------------------------
    def _lock(self) -> FileLock:
        self.dir.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.dir / ".lock"))

    def write_next(
        self, db: Database, reason: str, now: datetime, *, new_epoch: bool = False
    ) -> Checkpoint | None:
        """Sign the trail as it is now, extending the latest checkpoint (None: nothing new to sign).

        Only the events after the latest checkpoint are read (its frontier stands for the rest), and
        their chain is checked from the signed head on: a checkpoint never signs over a broken trail.
        ``new_epoch`` signs the whole database afresh as the start of a new epoch (``rpa db adopt``).
        """
        with self._lock():
            last = self.latest()
            if new_epoch or last is None:
                start, head, frontier = 0, GENESIS_HASH, merkle.Frontier()
            else:
                problem = database_mismatch(db, last)
                if problem is not None:
                    raise AuditIntegrityError(
                        f"no checkpoint signed: {problem}", code="DATABASE_BEHIND_CHECKPOINTS"
                    )
                start, head = last.size, last.head_hash
                frontier = merkle.Frontier(last.size, [bytes.fromhex(h) for h in last.frontier])
            old = frontier.copy()
            walker = ChainWalker(start + 1, head, frontier, keep_leaves=True)
            with db.read_engine.connect() as conn:
                for batch in stream(conn, after=start):
                    if not walker.feed(batch):
                        raise AuditIntegrityError(
                            f"no checkpoint signed: {walker.problem}", code="AUDIT_CHAIN_BROKEN"
                        )
            size = walker.size
            consistency: tuple[str, ...]
            if size == 0 or (not new_epoch and last is not None and size == last.size):
                return None
            if new_epoch or last is None:
                epoch = last.epoch + 1 if (new_epoch and last is not None) else 0
                index, consistency = 0, ()
                prev_size, prev_root = (last.size, last.root) if last is not None else (0, "")
            else:
                epoch, index = last.epoch, last.index + 1
                prev_size, prev_root = last.size, last.root
                sub = merkle.subtree_from_frontier(old, walker.leaves or [])
                consistency = tuple(h.hex() for h in merkle.consistency_proof(last.size, size, sub))
            unsigned = Checkpoint(
                epoch=epoch,
                index=index,
                size=size,
                root=frontier.root().hex(),
                head_hash=walker.prev_hash,
                prev_size=prev_size,
                prev_root=prev_root,
                ts=now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                reason=reason,
                consistency=consistency,
                frontier=tuple(h.hex() for h in frontier.hashes),
            )
            _store_blocks(db, old, walker.leaves or [], size, reset=new_epoch or last is None)
            signed = replace(unsigned, signature=self.sign(unsigned.message()))
            self.public_key()
            target = self.dir / signed.name
            tmp = target.with_suffix(".tmp")
            tmp.write_text(json.dumps(signed.as_json(), indent=2, sort_keys=True))
            os.replace(tmp, target)
            return replace(signed, path=target)


BLOCK = 1024


def _store_blocks(
    db: Database, old: merkle.Frontier, new_leaves: list[bytes], size: int, *, reset: bool
) -> None:
    """Cache the roots of the blocks of :data:`BLOCK` events completed since the frontier ``old``."""
    start = old.size
    first, end = start // BLOCK, size // BLOCK
    if first >= end and not reset:
        return
    sub = merkle.subtree_from_frontier(old, new_leaves)
    rows = [{"block": b, "hash": sub(b * BLOCK, (b + 1) * BLOCK).hex()} for b in range(first, end)]
    with db.transaction() as s:
        if reset:
            s.execute(text("DELETE FROM audit_merkle_blocks"))
        else:
            s.execute(text("DELETE FROM audit_merkle_blocks WHERE block >= :b"), {"b": first})
        if rows:
            s.execute(text("INSERT INTO audit_merkle_blocks (block, hash) VALUES (:block, :hash)"), rows)


def database_mismatch(db: Database, cp: Checkpoint) -> str | None:
    """Why the database does not hold the log ``cp`` signs (fewer events, another head), or None."""
    with db.read_engine.connect() as conn:
        head = conn.execute(text("SELECT last_seq, last_hash FROM audit_head WHERE id = 1")).first()
        at = conn.execute(text("SELECT hash FROM audit_events WHERE seq = :s"), {"s": cp.size}).scalar()
    events, head_hash = (int(head[0]), str(head[1])) if head is not None else (0, GENESIS_HASH)
    if events < cp.size or at is None:
        return (
            f"the database holds {events} events (chain head {head_hash[:16]}…) but signed checkpoint "
            f"{cp.label} covers {cp.size} events (root {cp.root[:16]}…)"
        )
    if at != cp.head_hash:
        return (
            f"the database's event {cp.size} has hash {str(at)[:16]}… but signed checkpoint {cp.label} "
            f"says {cp.head_hash[:16]}… at that size (root {cp.root[:16]}…): another or rewritten history"
        )
    return None


class CheckpointPolicy:
    """Signs a checkpoint while events are written: after ``every_events`` new events or
    ``every_minutes`` since the last one, whichever comes first (``audit.checkpoint_every`` /
    ``audit.checkpoint_minutes``). Hooked on commits by :class:`rpa.audit.trail.AuditTrail`."""

    def __init__(
        self,
        db: Database,
        store: CheckpointStore,
        *,
        every_events: int,
        every_minutes: float,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db, self.store, self.clock, self.monotonic = db, store, clock, monotonic
        self.every_events, self.every_s = every_events, every_minutes * 60
        try:
            latest = store.latest()
        except AuditIntegrityError:
            latest = None  # the writer refuses and says why at the next checkpoint
        self.signed_size = latest.size if latest is not None else 0
        self.signed_at = monotonic()

    def after_commit(self, seq: int) -> None:
        if seq - self.signed_size < self.every_events and self.monotonic() - self.signed_at < self.every_s:
            return
        self.signed_at = self.monotonic()
        try:
            cp = self.store.write_next(self.db, "periodic", self.clock())
        except Exception as exc:  # the run goes on; `rpa audit verify` and the next checkpoint say why
            logger.error("periodic audit checkpoint not signed: {}", exc)
            return
        if cp is not None:
            self.signed_size = cp.size


def store_for(settings: Any) -> CheckpointStore:
    """The checkpoint store of these settings."""
    return CheckpointStore(settings.audit_path, settings.audit.signing_key, settings.audit.public_key)


def policy_for(settings: Any, db: Database, clock: Callable[[], datetime]) -> CheckpointPolicy:
    a = settings.audit
    return CheckpointPolicy(
        db,
        store_for(settings),
        every_events=a.checkpoint_every,
        every_minutes=a.checkpoint_minutes,
        clock=clock,
    )


def ensure_not_behind(db: Database, settings: Any) -> None:
    """Refuse to go on with a database that is behind (or beside) the signed checkpoints kept outside it."""
    store = store_for(settings)
    latest = store.latest()
    if latest is None:
        return
    problem = database_mismatch(db, latest)
    if problem is None:
        return
    where = settings.database_url.split("@")[-1]
    raise AuditIntegrityError(
        f"database {where} is not the one the audit checkpoints in {store.dir} sign: {problem}. Restore the "
        "right database, or, if this database is the one to use from now on, run `rpa db adopt` (audited; "
        "it starts a new checkpoint epoch and keeps the old checkpoints)",
        code="DATABASE_BEHIND_CHECKPOINTS",
    )
