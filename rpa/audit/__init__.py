"""The audit trail: append-only hash-chained events, signed checkpoints, verification, evidence."""

from rpa.audit.evidence import EvidenceStore
from rpa.audit.trail import AuditTrail, EventRecord, canonical_event, event_hash
from rpa.audit.verify import VerifyReport, verify_chain

__all__ = [
    "AuditTrail",
    "EventRecord",
    "EvidenceStore",
    "VerifyReport",
    "canonical_event",
    "event_hash",
    "verify_chain",
]
