"""CSV export profiles: how one bank writes its statement CSV (delimiter, decimals, dates, column names)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class CsvColumns(BaseModel):
    """The header names of the columns holding each field; '' when the bank has no such column."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    booking_date: str = Field(min_length=1, description="booking (operation) date column")
    value_date: str = ""
    amount: str = Field("", description="one signed amount column; or use debit + credit")
    debit: str = Field("", description="money out, written positive or negative")
    credit: str = Field("", description="money in")
    currency: str = ""
    counterparty_name: str = ""
    counterparty_iban: str = ""
    remittance: tuple[str, ...] = Field((), description="columns joined into the remittance text")
    end_to_end_id: str = ""
    creditor_reference: str = ""
    bank_reference: str = Field("", description="the bank's own reference for the line, if exported")
    account: str = Field("", description="the account the line belongs to, if exported")

    @model_validator(mode="after")
    def _one_amount_layout(self) -> CsvColumns:
        if bool(self.amount) == bool(self.debit or self.credit):
            raise ValueError("give either a signed 'amount' column or 'debit'/'credit' columns, not both")
        if not self.amount and not (self.debit and self.credit):
            raise ValueError("'debit' and 'credit' columns go together")
        return self


class CsvProfile(BaseModel):
    """How one bank's CSV export is written."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    description: str = ""
    delimiter: str = Field(",", min_length=1, max_length=1)
    decimal_separator: Literal[".", ","] = "."
    thousands_separator: Literal["", " ", ".", ",", "'"] = ""
    encoding: str = "utf-8"
    date_format: str = Field("%Y-%m-%d", description="strptime format of the date columns")
    other_date_formats: tuple[str, ...] = Field(
        (), description="further strptime formats the bank also writes, tried in order after date_format"
    )
    currency: str = Field(
        "EUR", min_length=3, max_length=3, description="used when there is no currency column"
    )
    account: str = Field("", description="the account of the file when no column says it")
    columns: CsvColumns

    @property
    def date_formats(self) -> tuple[str, ...]:
        return (self.date_format, *self.other_date_formats)


GENERIC = CsvProfile(
    name="generic",
    description="UTF-8, comma-separated, decimal point, ISO dates, one signed amount column",
    columns=CsvColumns(
        booking_date="date",
        value_date="value_date",
        amount="amount",
        currency="currency",
        counterparty_name="counterparty",
        counterparty_iban="counterparty_iban",
        remittance=("description",),
        end_to_end_id="end_to_end_id",
        creditor_reference="creditor_reference",
        bank_reference="reference",
        account="account",
    ),
)

FR_BANQUE = CsvProfile(
    name="fr_banque",
    description="French online banking export: cp1252, semicolons, decimal comma, dd/mm/yyyy, Débit/Crédit",
    delimiter=";",
    decimal_separator=",",
    thousands_separator=" ",
    encoding="cp1252",
    date_format="%d/%m/%Y",
    columns=CsvColumns(
        booking_date="Date opération",
        value_date="Date valeur",
        debit="Débit",
        credit="Crédit",
        remittance=("Libellé", "Détail"),
        bank_reference="Référence",
        counterparty_name="Tiers",
    ),
)

DE_CSV_CAMT = CsvProfile(
    name="de_csv_camt",
    description="German 'CSV-CAMT' export (Sparkassen and others): semicolons, decimal comma, dd.mm.yy",
    delimiter=";",
    decimal_separator=",",
    thousands_separator=".",
    encoding="cp1252",
    date_format="%d.%m.%y",
    other_date_formats=("%d.%m.%Y",),  # the same banks write 01.03.24 in one export and 01.03.2024 in another
    columns=CsvColumns(
        booking_date="Buchungstag",
        value_date="Valutadatum",
        amount="Betrag",
        currency="Waehrung",
        counterparty_name="Beguenstigter/Zahlungspflichtiger",
        counterparty_iban="Kontonummer/IBAN",
        remittance=("Verwendungszweck",),
        end_to_end_id="Kundenreferenz (End-to-End)",
        account="Auftragskonto",
    ),
)

PROFILES: dict[str, CsvProfile] = {p.name: p for p in (GENERIC, FR_BANQUE, DE_CSV_CAMT)}
