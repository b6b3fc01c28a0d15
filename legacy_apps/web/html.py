"""The HTML shell and formatting of the old applications.

HTML 4 tables, dd/mm/yyyy dates, '1 234,56' amounts.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import escape

DOCTYPE = (
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">'
)
STYLE = """
body { font-family: Verdana, Arial, sans-serif; font-size: 11px; margin: 4px; }
table.grid { border-collapse: collapse; }
table.grid td, table.grid th { border: 1px solid #808080; padding: 2px 4px; }
table.grid th { background: #c0c0c0; text-align: left; } tr.odd td { background: #eef2ff; }
td.num { text-align: right; white-space: nowrap; } td.lbl { font-weight: bold; background: #e0e0e0; }
.error { color: #cc0000; font-weight: bold; } .info { color: #006600; font-weight: bold; }
.title { background: #000080; color: #ffffff; font-weight: bold; padding: 3px; }
"""


def e(value: object) -> str:
    return escape(str(value))


def page(title: str, body: str, *, header: str = "", bgcolor: str = "#ffffff") -> str:
    return (
        f'{DOCTYPE}\n<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        f'<title>{e(title)}</title><style type="text/css">{STYLE}</style></head>\n'
        f'<body bgcolor="{bgcolor}">{header}\n{body}\n</body></html>\n'
    )


def money(amount: Decimal) -> str:
    """French display: '1 234,56' (space thousands separator, decimal comma)."""
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):.2f}".split(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{' '.join(groups)},{cents}"


def day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def message(text: str, kind: str = "info") -> str:
    role = ' role="alert"' if kind == "error" else ' role="status"'
    return f'<p class="{kind}"{role}>{e(text)}</p>'


def table(headers: list[str], rows: list[list[str]], *, table_id: str, caption: str = "") -> str:
    """A bordered grid; cells are already-escaped HTML."""
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join(
        f'<tr class="{"odd" if i % 2 else "even"}">' + "".join(rows[i]) + "</tr>" for i in range(len(rows))
    )
    cap = f"<caption>{e(caption)}</caption>" if caption else ""
    return (
        f'<table class="grid" id="{table_id}" border="1" cellspacing="0">{cap}<tr>{head}</tr>{body}</table>'
    )
