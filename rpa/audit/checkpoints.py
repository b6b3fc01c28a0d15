"""Signed checkpoints: the chain head (seq, hash) signed with Ed25519, kept outside the database.

Rewriting the whole chain after an edit keeps it internally consistent; it cannot reproduce the
signature of a checkpoint written earlier, so verification against checkpoints still catches it.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import SecretStr

from rpa.errors import AuditIntegrityError


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    hash: str
    ts: str
    reason: str
    signature: str = ""

    def message(self) -> bytes:
        return f"backoffice-rpa-checkpoint|{self.seq}|{self.hash}|{self.ts}|{self.reason}".encode()


class CheckpointStore:
    """Checkpoint files under ``<audit dir>/checkpoints`` and the signing key under ``<audit dir>/keys``."""

    def __init__(self, audit_dir: Path, signing_key: SecretStr | None = None) -> None:
        self.dir = audit_dir / "checkpoints"
        self.key_dir = audit_dir / "keys"
        self._configured_key = signing_key.get_secret_value() if signing_key else ""

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
        self.public_key_path().write_text(_public_hex(key.public_key()))
        return key

    def public_key_path(self) -> Path:
        return self.key_dir / "checkpoint-signing.pub"

    def public_key(self) -> Ed25519PublicKey:
        path = self.public_key_path()
        if not path.exists():
            key = self._private_key().public_key()
            self.key_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(_public_hex(key))
            return key
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(path.read_text().strip()))

    def write(self, seq: int, digest: str, ts: str, reason: str) -> Checkpoint:
        unsigned = Checkpoint(seq, digest, ts, reason)
        signed = Checkpoint(seq, digest, ts, reason, self._private_key().sign(unsigned.message()).hex())
        self.public_key()
        self.dir.mkdir(parents=True, exist_ok=True)
        target = self.dir / f"{seq:012d}.json"
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(signed), indent=2, sort_keys=True))
        os.replace(tmp, target)
        return signed

    def load(self) -> list[Checkpoint]:
        """Every checkpoint, signature checked; a bad signature is an integrity error naming the file."""
        if not self.dir.is_dir():
            return []
        key = self.public_key()
        result = []
        for path in sorted(self.dir.glob("*.json")):
            try:
                cp = Checkpoint(**json.loads(path.read_text()))
                key.verify(bytes.fromhex(cp.signature), cp.message())
            except (InvalidSignature, ValueError, TypeError, KeyError) as exc:
                raise AuditIntegrityError(
                    f"checkpoint {path}: signature or format invalid ({exc!r})",
                    code="AUDIT_CHECKPOINT_INVALID",
                ) from exc
            result.append(cp)
        return result


def _public_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
