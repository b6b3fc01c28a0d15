"""Duplicate detection: the same statement, or the same line, imported twice never makes a second payment.

Pure functions over fingerprints: the caller stores :class:`Fingerprints` between runs (they hold hashes
and bank references only, no names or remittance text).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rpa.documents.statements.model import BankLine, Statement


@dataclass(frozen=True, slots=True)
class Fingerprints:
    """What was imported before: statement keys and line keys."""

    statements: frozenset[str] = frozenset()
    lines: frozenset[str] = frozenset()

    def with_statements(self, statements: Iterable[Statement]) -> Fingerprints:
        """These fingerprints plus those of ``statements`` (call after a successful import)."""
        statements = list(statements)
        return Fingerprints(
            self.statements | {statement_key(s) for s in statements},
            self.lines | {key for s in statements for key in line_keys(s)},
        )


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A line left out because it was already imported, and why."""

    line: BankLine
    key: str
    reason: str


def content_hash(statement: Statement) -> str:
    """Hash of everything a statement says; a corrected re-issue with the same id hashes differently."""
    digest = hashlib.sha256()
    digest.update(f"{statement.currency}|{statement.opening_balance}|{statement.closing_balance}".encode())
    for line in statement.lines:
        digest.update(
            "|".join(
                [
                    line.line_id,
                    str(line.amount),
                    line.currency,
                    str(line.booking_date),
                    str(line.value_date),
                    line.counterparty_name,
                    line.counterparty_iban,
                    line.remittance,
                    line.creditor_reference,
                    line.end_to_end_id,
                    str(line.reversal),
                ]
            ).encode()
        )
    return digest.hexdigest()


def statement_key(statement: Statement) -> str:
    return f"{statement.account_iban}|{statement.statement_id}|{content_hash(statement)}"


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def line_keys(statement: Statement) -> list[str]:
    """One key per line, in order.

    With a bank reference: account + reference + amount (a reused reference with another amount is
    another payment). Without: a fingerprint of date, amount, counterparty and remittance, numbered
    within the statement so two identical coffees on one day stay two lines.
    """
    keys: list[str] = []
    seen: Counter[str] = Counter()
    for line in statement.lines:
        account = line.account_iban or statement.account_iban
        if line.bank_reference:
            keys.append(f"ref:{account}|{line.line_id}|{line.amount}")
            continue
        parts = [
            account,
            str(line.booking_date),
            str(line.amount),
            line.currency,
            _norm(line.counterparty_name),
            line.counterparty_iban,
            _norm(line.remittance),
            line.end_to_end_id,
        ]
        fingerprint = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
        seen[fingerprint] += 1
        keys.append(f"fp:{fingerprint}#{seen[fingerprint]}")
    return keys


def split_duplicates(
    known: Fingerprints, statements: Iterable[Statement]
) -> tuple[list[BankLine], list[Duplicate]]:
    """(lines never seen, lines already imported); a file given twice in ``statements`` counts once."""
    statement_seen = set(known.statements)
    line_seen = set(known.lines)
    fresh: list[BankLine] = []
    duplicates: list[Duplicate] = []
    for statement in statements:
        skey = statement_key(statement)
        keys = line_keys(statement)
        if skey in statement_seen:
            reason = (
                f"statement {statement.statement_id} of account {statement.account_iban} already imported"
            )
            duplicates.extend(
                Duplicate(line, key, reason) for line, key in zip(statement.lines, keys, strict=True)
            )
            continue
        statement_seen.add(skey)
        for line, key in zip(statement.lines, keys, strict=True):
            if key in line_seen:
                duplicates.append(Duplicate(line, key, f"line {line.line_id} already imported"))
            else:
                line_seen.add(key)
                fresh.append(line)
    return fresh, duplicates
