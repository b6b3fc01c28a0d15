"""The audit trail: append-only hash-chained events, signed checkpoints, verification, evidence.

Import the submodule you need (``rpa.audit.trail``, ``rpa.audit.evidence``, ...): this package
loads nothing itself, so a pure module can use the evidence store without the database.
"""
