"""CSV export as French online banking offers it: semicolons, decimal comma, dd/mm/yyyy, French headers."""

from __future__ import annotations

import csv
import io

from legacy_apps.statements.view import StatementView, french_amount

HEADERS = (
    "Date opération", "Date valeur", "Libellé", "Référence banque", "Débit", "Crédit", "Devise",
    "Nom contrepartie", "IBAN contrepartie", "Référence de bout en bout", "Référence créancier", "Annulation",
)  # fmt: skip


def write_csv(view: StatementView) -> bytes:
    """The statement lines as CSV (UTF-8, CRLF); debits are positive figures in the Débit column."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    for line in view.lines:
        debit, credit = (
            ("", french_amount(line.amount)) if line.amount > 0 else (french_amount(line.amount), "")
        )
        row = (
            f"{line.booking_date:%d/%m/%Y}", f"{line.value_date:%d/%m/%Y}", line.remittance or "VIREMENT",
            line.bank_ref, debit, credit, view.account.currency, line.counterparty_name,
            line.counterparty_iban, line.end_to_end_id, line.creditor_reference,
            "oui" if line.reversal else "",
        )  # fmt: skip
        writer.writerow(row)
    return out.getvalue().encode("utf-8")
