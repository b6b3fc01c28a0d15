"""Reading the open-items list (CSV or XLSX) for dunning: the invoices and their customers; a bad row is a
finding naming file, row and column, and the other rows still count."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from rpa.documents.tables import CellValue, Column, Row, cell_date, read_table, row_finding
from rpa.errors import DocumentReadError
from rpa.findings import Finding, Severity
from rpa.money import AmountError, parse_amount_guess

from .config import LEVEL_ORDER
from .model import ZERO, Customer, InvoiceStatus, OpenInvoice, SentReminder

# The columns of `rpa reconcile`'s open-items file, then what dunning reads when the export has it.
HEADER = ("number", "customer_id", "customer_name", "issue_date", "due_date", "amount", "open_amount",
          "currency")  # fmt: skip
OPTIONAL = ("customer_iban", "reference", "email", "language", "time_zone", "business", "status",
            "promised_until", "do_not_remind", "do_not_remind_reason", "last_reminder_level",
            "last_reminder_date", "paid_since_last_reminder", "last_paid_on")  # fmt: skip
_ALIASES = {"number": ("invoice", "invoice_number"), "time_zone": ("timezone", "tz")}
COLUMNS = (
    *(Column(name, _ALIASES.get(name, ())) for name in HEADER),
    *(Column(name, _ALIASES.get(name, ()), required=False) for name in OPTIONAL),
)
ROW_INVALID = "OPEN_ITEM_INVALID"
CUSTOMER_CONFLICT = "CUSTOMER_DETAILS_DIFFER"
NO_EMAIL = "CUSTOMER_NO_EMAIL"
NO_EMAIL_REASON = "no email address in the open-items file"
_MAX_BYTES = 200 * 1024 * 1024  # an ERP export larger than this is a wrong file, not a list of invoices
_STATUSES: tuple[InvoiceStatus, ...] = ("open", "disputed", "promised")
_TRUE = frozenset({"1", "yes", "y", "true", "x", "oui", "o", "vrai"})
_FALSE = frozenset({"", "0", "no", "n", "false", "non", "faux"})


@dataclass(frozen=True, slots=True)
class DunningInputs:
    """What the open-items file says: invoices, their customers (one per id), and the findings."""

    invoices: tuple[OpenInvoice, ...]
    customers: tuple[Customer, ...]
    findings: tuple[Finding, ...] = field(default=())

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)


class _Rejected(Exception):
    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


def read_open_items(path: Path, *, default_language: str = "fr") -> DunningInputs:
    """Invoices and customers of a ``.csv`` or ``.xlsx`` open-items file.

    A customer's details (name, email, language, time zone, do-not-remind, business) come from its
    first row; a later row saying otherwise is a warning. A customer without an email address is
    marked do-not-remind, so its invoices are skipped with the reason said. Raises DocumentReadError
    when the file as a whole cannot be read (missing, wrong type, no header).
    """
    try:
        rows, findings = read_table(path, COLUMNS, max_bytes=_MAX_BYTES, row_code=ROW_INVALID)
    except DocumentReadError as exc:
        problem = exc.details.get("problem", exc.message)
        raise DocumentReadError(
            f"Open items file {path}: {problem}.",
            code="OPEN_ITEMS_UNREADABLE",
            details={"file": str(path), "reason": exc.code},
        ) from exc
    invoices: list[OpenInvoice] = []
    customers: dict[str, Customer] = {}
    first_row: dict[str, int] = {}
    seen: dict[str, int] = {}
    for row in rows:
        try:
            invoice, customer = _read_row(row, path, default_language)
            if invoice.number in seen:
                raise _reject(
                    path, row, "number", f"invoice {invoice.number} is already on row {seen[invoice.number]}"
                )
        except _Rejected as rejected:
            findings.append(rejected.finding)
            continue
        seen[invoice.number] = row.number
        invoices.append(invoice)
        known = customers.get(customer.id)
        if known is None:
            customers[customer.id] = customer
            first_row[customer.id] = row.number
        elif _details(known) != _details(customer) and _details(customer) != _blank_details(customer):
            findings.append(_conflict(path, row, customer.id, first_row[customer.id]))
    for cid, customer in list(customers.items()):
        if not customer.email:
            customers[cid] = _without_email(customer)
            findings.append(
                Finding(
                    NO_EMAIL,
                    Severity.WARNING,
                    f"{path.name}: customer {cid} has no email address (column 'email'); its invoices "
                    "get no reminder until one is given.",
                    f"{path.name}, row {first_row[cid]}",
                    "email",
                )
            )
    return DunningInputs(tuple(invoices), tuple(customers.values()), tuple(findings))


def _read_row(row: Row, path: Path, default_language: str) -> tuple[OpenInvoice, Customer]:
    currency = _text(row, "currency").upper()
    if len(currency) != 3 or not (currency.isascii() and currency.isalpha()):
        raise _reject(path, row, "currency", f"'{currency}' is not an ISO currency code like EUR")
    status_text = _text(row, "status").lower() or "open"
    promised_until = _maybe_date(row, "promised_until", path)
    if status_text == "open" and promised_until is not None:
        status_text = "promised"  # a promise date alone says the customer promised to pay
    if status_text not in _STATUSES:
        raise _reject(path, row, "status", f"'{status_text}' is not one of {', '.join(_STATUSES)}")
    status: InvoiceStatus = status_text
    if status == "promised" and promised_until is None:
        raise _reject(path, row, "promised_until", "status 'promised' needs the day the customer promised")
    paid = (
        ZERO
        if _blank(row, "paid_since_last_reminder")
        else _amount(row, "paid_since_last_reminder", currency, path)
    )
    last_paid_on = _maybe_date(row, "last_paid_on", path)
    if paid > 0 and last_paid_on is None:
        raise _reject(path, row, "last_paid_on", "a payment since the last reminder needs its day")
    invoice = OpenInvoice(
        number=_text(row, "number"),
        customer_id=_text(row, "customer_id"),
        issue_date=_date(row, "issue_date", path),
        due_date=_date(row, "due_date", path),
        amount=_amount(row, "amount", currency, path),
        open_amount=_amount(row, "open_amount", currency, path),
        currency=currency,
        status=status,
        promised_until=promised_until,
        last_reminder=_last_reminder(row, path),
        paid_since_last_reminder=paid,
        last_paid_on=last_paid_on,
    )
    return invoice, _customer(row, path, default_language)


def _customer(row: Row, path: Path, default_language: str) -> Customer:
    email = _text(row, "email")
    if email and (email.count("@") != 1 or any(c in email for c in " ,;<>\r\n\t")):
        raise _reject(path, row, "email", f"'{email}' is not one email address")
    language = _text(row, "language").lower() or default_language
    if not (len(language) == 2 and language.isascii() and language.isalpha()):
        raise _reject(path, row, "language", f"'{language}' is not a two-letter language code like fr or en")
    try:
        return Customer(
            id=_text(row, "customer_id"),
            name=_text(row, "customer_name"),
            email=email,
            language=language,
            time_zone=_text(row, "time_zone") or "Europe/Paris",
            do_not_remind=_flag(row, "do_not_remind", path, default=False),
            do_not_remind_reason=_text(row, "do_not_remind_reason"),
            business=_flag(row, "business", path, default=True),
        )
    except ValueError as exc:  # an unknown time zone
        raise _reject(
            path, row, "time_zone", f"'{_text(row, 'time_zone')}' is not a time zone like Europe/Paris"
        ) from exc


def _last_reminder(row: Row, path: Path) -> SentReminder | None:
    level = _text(row, "last_reminder_level").lower()
    sent_on = _maybe_date(row, "last_reminder_date", path)
    if not level and sent_on is None:
        return None
    if level not in LEVEL_ORDER:
        raise _reject(path, row, "last_reminder_level", f"'{level}' is not one of {', '.join(LEVEL_ORDER)}")
    if sent_on is None:
        raise _reject(path, row, "last_reminder_date", f"the {level} reminder needs the day it was sent")
    return SentReminder(level, sent_on)


def _details(c: Customer) -> tuple[object, ...]:
    return (c.name, c.email, c.language, c.time_zone, c.do_not_remind, c.business)


def _blank_details(c: Customer) -> tuple[object, ...]:
    """What a row says about a customer when it leaves the optional columns empty."""
    return (c.name, "", c.language, "Europe/Paris", False, True)


def _without_email(c: Customer) -> Customer:
    return Customer(
        id=c.id, name=c.name, email="", language=c.language, time_zone=c.time_zone, do_not_remind=True,
        do_not_remind_reason=c.do_not_remind_reason or NO_EMAIL_REASON, business=c.business,
    )  # fmt: skip


def _conflict(path: Path, row: Row, cid: str, first: int) -> Finding:
    return Finding(
        CUSTOMER_CONFLICT,
        Severity.WARNING,
        f"{path.name} row {row.number}: customer {cid}'s details differ from row {first}; "
        f"row {first}'s are used. Correct the export so every row of a customer agrees.",
        f"{path.name}, row {row.number}",
        "customer_id",
    )


def _text(row: Row, name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def _flag(row: Row, column: str, path: Path, *, default: bool) -> bool:
    value = row.get(column)
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if not text:
        return default
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _reject(path, row, column, f"'{text}' is neither yes nor no")


def _blank(row: Row, column: str) -> bool:
    value = row.get(column)
    return value is None or (isinstance(value, str) and not value.strip())


def _amount(row: Row, column: str, currency: str, path: Path) -> Decimal:
    value = row.get(column)
    try:
        return parse_amount_guess(value, currency=currency)
    except AmountError as exc:
        raise _reject(
            path, row, column, f"'{value}' is not an amount in {currency}; write e.g. 1234.56 or 1234,56"
        ) from exc


def _maybe_date(row: Row, column: str, path: Path) -> date | None:
    return None if _blank(row, column) else _date(row, column, path)


def _date(row: Row, column: str, path: Path) -> date:
    value: CellValue = row.get(column)
    found = cell_date(value)
    if found is None:
        text = "" if value is None else str(value).strip()
        raise _reject(path, row, column, f"'{text}' is not a date; write YYYY-MM-DD or DD/MM/YYYY")
    return found


def _reject(path: Path, row: Row, column: str, problem: str) -> _Rejected:
    return _Rejected(row_finding(path, row.number, column, problem, code=ROW_INVALID))
