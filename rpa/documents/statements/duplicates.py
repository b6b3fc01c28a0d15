"""Duplicate detection: the same statement, or the same line, imported twice never makes a second payment.

One rule, for lines already imported (:func:`split_duplicates`, over stored :class:`Fingerprints`) and for
the lines of one batch (:func:`find_duplicates`): a line is a duplicate of an earlier one when both have
the same account, bank reference and signed amount, or the same content (account, date, amount, payer and
text), *and they come from different statements or files*. Lines of one statement are never duplicates of
each other: its balances count every one of them (two identical tickets bought the same day are two lines).
Fingerprints hold hashes and bank references only, no names or remittance text.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
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
            self.lines | {key for s in statements for keys in line_key_sets(s) for key in keys},
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


def reference_key(line: BankLine, account: str) -> str:
    """Account + bank reference + signed amount: a reference reused with another amount (or on the other
    side of a transfer between two of our accounts) is another payment."""
    return f"ref:{account}|{line.line_id}|{line.amount}"


def content_fields(line: BankLine, account: str) -> tuple[str, ...]:
    """What a line says, as compared across statements: account, date, amount, payer and text."""
    return (
        account,
        str(line.booking_date),
        str(line.amount),
        line.currency,
        _norm(line.counterparty_name),
        line.counterparty_iban,
        _norm(line.remittance),
        line.end_to_end_id,
    )


def _fingerprint(fields: tuple[str, ...]) -> str:
    return hashlib.sha256("|".join(fields).encode()).hexdigest()[:32]


def line_key_sets(statement: Statement) -> list[tuple[str, ...]]:
    """The keys of each line, in order: its reference key when the bank gave a reference, and its content
    fingerprint, numbered within the statement so two identical coffees on one day stay two lines."""
    keys: list[tuple[str, ...]] = []
    seen: Counter[str] = Counter()
    for line in statement.lines:
        account = line.account_iban or statement.account_iban
        fingerprint = _fingerprint(content_fields(line, account))
        seen[fingerprint] += 1
        content = f"fp:{fingerprint}#{seen[fingerprint]}"
        keys.append((reference_key(line, account), content) if line.bank_reference else (content,))
    return keys


def line_keys(statement: Statement) -> list[str]:
    """One key per line, in order: the reference key when there is one, else the content fingerprint."""
    return [key_set[0] for key_set in line_key_sets(statement)]


_POSITION = re.compile(r"(?:, line \d+| /\S*)$")


def origin(line: BankLine) -> tuple[str, ...]:
    """The statement a line was read from: file, account and statement id ("" when not known)."""
    return (_POSITION.sub("", line.source), line.account_iban, line.statement_id)


def find_duplicates(
    lines: Sequence[BankLine], order: Iterable[int] | None = None
) -> dict[int, tuple[int, str]]:
    """Lines of one batch already counted by an earlier one (in ``order``, default as given): for each,
    the position of that earlier line and why.

    Lines that say nothing of their statement (no source, no statement id) are each taken as their own.
    The same line of the same file met twice (the file given twice) is a duplicate too.
    """
    positions = list(range(len(lines)) if order is None else order)
    # Cheap keys first: only lines sharing one with another line are compared in full.
    by_ref, by_day = _groups(lines, positions)
    found: dict[int, tuple[int, str]] = {}
    for group in by_ref:
        _number(lines, group, found, "same bank reference and amount as line {} of another statement")
    for group in by_day:
        full: dict[tuple[str, ...], list[int]] = {}
        for pos in group:
            full.setdefault(content_fields(lines[pos], lines[pos].account_iban), []).append(pos)
        for same in full.values():
            if len(same) > 1:
                _number(lines, same, found, "same date, amount, payer and text as line {} in another file")
    return found


def _groups(lines: Sequence[BankLine], positions: list[int]) -> tuple[list[list[int]], list[list[int]]]:
    first_ref: dict[tuple[object, ...], int] = {}
    first_day: dict[tuple[object, ...], int] = {}
    more_ref: dict[tuple[object, ...], list[int]] = {}
    more_day: dict[tuple[object, ...], list[int]] = {}
    for pos in positions:
        line = lines[pos]
        key: tuple[object, ...] = (line.account_iban, line.line_id, line.amount)
        first = first_ref.setdefault(key, pos)
        if first != pos:
            more_ref.setdefault(key, [first]).append(pos)
        key = (line.account_iban, line.booking_date, line.amount, line.currency)
        first = first_day.setdefault(key, pos)
        if first != pos:
            more_day.setdefault(key, [first]).append(pos)
    return list(more_ref.values()), list(more_day.values())


def _number(lines: Sequence[BankLine], group: list[int], found: dict[int, tuple[int, str]], why: str) -> None:
    """Mark the lines of ``group`` (alike, in order) that repeat a line of another statement: the n-th
    such line of a statement repeats the n-th of an earlier statement, never one of its own."""
    counts: Counter[tuple[object, ...]] = Counter()
    nth: dict[int, int] = {}
    read: dict[str, int] = {}
    for pos in group:
        line = lines[pos]
        if line.source and line.source in read:
            found.setdefault(pos, (read[line.source], "line {} read twice from the same file"))
            continue
        read[line.source] = pos
        place = origin(line)
        key: tuple[object, ...] = place if (place[0] or place[2]) else ("", pos)
        counts[key] += 1
        earlier = nth.setdefault(counts[key], pos)
        if earlier != pos:
            found.setdefault(pos, (earlier, why))


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
        key_sets = line_key_sets(statement)
        if skey in statement_seen:
            reason = (
                f"statement {statement.statement_id} of account {statement.account_iban} already imported"
            )
            duplicates.extend(
                Duplicate(line, keys[0], reason) for line, keys in zip(statement.lines, key_sets, strict=True)
            )
            continue
        statement_seen.add(skey)
        # Keys of this statement join the known ones only after it: its own lines never repeat each other.
        added: set[str] = set()
        for line, keys in zip(statement.lines, key_sets, strict=True):
            repeated = next((key for key in keys if key in line_seen), None)
            if repeated is not None:
                duplicates.append(Duplicate(line, repeated, f"line {line.line_id} already imported"))
            else:
                added.update(keys)
                fresh.append(line)
        line_seen |= added
    return fresh, duplicates
