"""A one-page PDF statement of the invoices a reminder lists, attached to its email.

The ERP serves no invoice PDFs, so the customer gets this statement instead: each invoice with its
dates, the amount due, the late charges claimed and the totals. Pure: bytes out, nothing written.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from bots.client_reminders.model import CustomerReminder, OpenInvoice

_LABELS = {
    "fr": ("Relevé des factures", "Client", "Au", "Facture", "Émise le", "Échéance", "Dû", "Intérêts",
           "Indemnité", "Total"),
    "en": ("Statement of invoices", "Customer", "As of", "Invoice", "Issued", "Due", "Due amount",
           "Interest", "Indemnity", "Total"),
}  # fmt: skip


def statement_filename(reminder: CustomerReminder, as_of: date) -> str:
    word = "releve" if reminder.language == "fr" else "statement"
    return f"{word}-{reminder.customer_id}-{as_of:%Y%m%d}.pdf"


def statement_pdf(
    reminder: CustomerReminder, invoices: Iterable[OpenInvoice], *, company: str, as_of: date
) -> bytes:
    """The statement of ``reminder``'s invoices as of ``as_of``, in the reminder's language."""
    labels = _LABELS.get(reminder.language, _LABELS["en"])
    title, customer, as_of_label, *headers = labels
    dates = {i.number: i for i in invoices}
    rows: list[list[str]] = [headers]
    for plan in reminder.invoices:
        row = dates.get(plan.invoice)
        total = plan.amount_due + plan.late_interest + plan.recovery_fee
        rows.append([
            plan.invoice,
            row.issue_date.isoformat() if row else "",
            row.due_date.isoformat() if row else "",
            f"{plan.amount_due:.2f} {plan.currency}",
            f"{plan.late_interest:.2f}",
            f"{plan.recovery_fee:.2f}",
            f"{total:.2f} {plan.currency}",
        ])  # fmt: skip
    for currency, amount in reminder.totals:
        rows.append(["", "", "", "", "", headers[-1], f"{amount:.2f} {currency}"])
    styles = getSampleStyleSheet()
    grid = Table(rows, repeatRows=1)
    grid.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, len(reminder.invoices)), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("ALIGN", (3, 1), (-1, -1), "RIGHT"),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
            ]
        )
    )
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, title=f"{title} {reminder.customer_id}", author=company, invariant=1
    )
    doc.build([
        Paragraph(f"{escape(company)} — {title}", styles["Title"]),
        Paragraph(f"{customer}: {escape(reminder.customer_name)} ({escape(reminder.customer_id)})",
                  styles["Normal"]),
        Paragraph(f"{as_of_label}: {as_of.isoformat()}", styles["Normal"]),
        Spacer(1, 12),
        grid,
    ])  # fmt: skip
    return buffer.getvalue()
