"""XLSX attachments (balance sheet, payslip) written with openpyxl, byte-for-byte reproducible.

openpyxl stamps the save time into the workbook properties and the zip entries; both are pinned here.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

from .model import Client

FIXED_INSTANT = datetime(2026, 1, 1, 8, 0, 0)
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
MONEY = "#,##0.00"


def _workbook_bytes(workbook: Workbook, author: str) -> bytes:
    workbook.properties.creator = author
    workbook.properties.lastModifiedBy = author
    workbook.properties.created = FIXED_INSTANT
    workbook.properties.modified = FIXED_INSTANT
    raw = io.BytesIO()
    # ExcelWriter directly: save_workbook() would overwrite "modified" with the current time.
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    # Rewrite the zip with a fixed timestamp on every entry, keeping the entry order.
    pinned = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(pinned, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return pinned.getvalue()


def balance_sheet(
    client: Client, year: int, assets: dict[str, Decimal], liabilities: dict[str, Decimal]
) -> bytes:
    """A simplified balance sheet: assets then liabilities, each with its total."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Bilan"
    sheet["A1"] = f"Bilan simplifié au 31/12/{year}"
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A2"] = client.name
    sheet["A3"] = f"SIREN {client.siren}"
    row = 5
    for title, items in (("ACTIF", assets), ("PASSIF", liabilities)):
        sheet.cell(row=row, column=1, value=title).font = Font(bold=True)
        sheet.cell(row=row, column=2, value="Montant (EUR)").font = Font(bold=True)
        row += 1
        for label, amount in items.items():
            sheet.cell(row=row, column=1, value=label)
            sheet.cell(row=row, column=2, value=amount).number_format = MONEY
            row += 1
        sheet.cell(row=row, column=1, value=f"Total {title.lower()}").font = Font(bold=True)
        total = sheet.cell(row=row, column=2, value=sum(items.values(), Decimal(0)))
        total.number_format = MONEY
        total.font = Font(bold=True)
        row += 2
    sheet.column_dimensions["A"].width = 42
    sheet.column_dimensions["B"].width = 18
    return _workbook_bytes(workbook, "Cabinet d'expertise comptable")


def payslip(client: Client, period: date, employee: str, gross: Decimal, contributions: Decimal) -> bytes:
    """A monthly payslip of the company's director: gross, contributions, net."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Bulletin"
    sheet["A1"] = "Bulletin de paie"
    sheet["A1"].font = Font(bold=True, size=13)
    rows: list[tuple[str, object]] = [
        ("Employeur", client.name),
        ("SIRET", client.siret),
        ("Salarié", employee),
        ("Période", period.strftime("%m/%Y")),
        ("Salaire brut", gross),
        ("Cotisations salariales", -contributions),
        ("Net à payer avant impôt", gross - contributions),
    ]
    for index, (label, value) in enumerate(rows, start=3):
        sheet.cell(row=index, column=1, value=label)
        cell = sheet.cell(row=index, column=2, value=value)
        if isinstance(value, Decimal):
            cell.number_format = MONEY
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 36
    return _workbook_bytes(workbook, client.name)
