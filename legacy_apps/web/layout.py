"""Element ids and labels of the forms bots fill in, and their renamed versions (the changed-layout fault)."""

from __future__ import annotations

from html import escape

# key: (id, label, id after the layout change, label after the layout change)
ELEMENTS: dict[str, tuple[str, str, str, str]] = {
    "login-user": ("login-user", "User name", "usr_fld_01", "Login ID"),
    "login-password": ("login-password", "Password", "pwd_fld_01", "Passphrase"),
    "login-submit": ("login-submit", "Log in", "btn_signon", "Sign on"),
    "search-number": ("search-number", "Invoice number", "qry_docno", "Document no."),
    "search-customer": ("search-customer", "Customer", "qry_client", "Client"),
    "search-status": ("search-status", "Status", "qry_state", "State"),
    "search-submit": ("search-submit", "Search", "btn_find", "Find"),
    "invoices-table": ("invoices-table", "Invoices", "grid_docs", "Documents"),
    "page-next": ("page-next", "Next", "nav_fwd", "Forward >>"),
    "page-previous": ("page-previous", "Previous", "nav_back", "<< Back"),
    "invoice-details": ("invoice-details", "Invoice details", "doc_header", "Document header"),
    "payments-table": ("payments-table", "Payments recorded", "grid_pay", "Postings"),
    "pay-amount": ("pay-amount", "Amount", "fld_amt_rcv", "Amount received"),
    "pay-date": ("pay-date", "Payment date", "fld_val_dt", "Value date"),
    "pay-reference": ("pay-reference", "Bank reference", "fld_bank_ref", "Bank ref."),
    "pay-submit": ("pay-submit", "Record payment", "btn_post", "Post payment"),
    "note-text": ("note-text", "Note", "fld_comment", "Comment"),
    "note-submit": ("note-submit", "Add note", "btn_comment", "Save comment"),
    "payments-search-reference": ("payments-search-reference", "Bank reference", "qry_bank_ref", "Bank ref."),
    "payments-search-submit": ("payments-search-submit", "Search", "btn_find_pay", "Find"),
    "bank-user": ("bank-user", "User ID", "cust_no", "Customer number"),
    "bank-password": ("bank-password", "Password", "secret_code", "Secret code"),
    "bank-login-submit": ("bank-login-submit", "Continue", "btn_next", "Next step"),
    "bank-otp": ("bank-otp", "Security code", "otp_code", "One-time code"),
    "bank-otp-submit": ("bank-otp-submit", "Confirm", "btn_validate", "Validate"),
    "statement-from": ("statement-from", "From", "dt_start", "Start date"),
    "statement-to": ("statement-to", "To", "dt_end", "End date"),
    "statement-format": ("statement-format", "Format", "file_type", "File type"),
    "statement-submit": ("statement-submit", "Download", "btn_export", "Export"),
}


class Ui:
    """Ids and labels as the current layout names them."""

    def __init__(self, changed: bool) -> None:
        self.changed = changed

    def id(self, key: str) -> str:
        element = ELEMENTS[key]
        return element[2] if self.changed else element[0]

    def label(self, key: str) -> str:
        element = ELEMENTS[key]
        return element[3] if self.changed else element[1]

    def field(
        self, key: str, name: str, *, kind: str = "text", value: str = "", size: int = 20, extra: str = ""
    ) -> str:
        """A table row with a <label for> and its input, the way old form builders laid them out."""
        return (
            f'<tr><td class="lbl"><label for="{self.id(key)}">{escape(self.label(key))}</label></td>'
            f'<td><input type="{kind}" id="{self.id(key)}" name="{name}" value="{escape(value)}"'
            f' size="{size}"'
            f"{' ' + extra if extra else ''}></td></tr>"
        )

    def submit(self, key: str, extra: str = "") -> str:
        tail = f" {extra}" if extra else ""
        return f'<input type="submit" id="{self.id(key)}" value="{escape(self.label(key))}"{tail}>'
