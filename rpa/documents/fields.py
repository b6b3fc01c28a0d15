"""Typed fields from a document's text by labels and patterns (French, English, some German), never by
position on the page, so that layouts from any issuer read the same. Pure: text in, fields out."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import TypeVar

from rpa.documents.dates import iter_dates
from rpa.documents.model import IdentityFields, InvoiceFields, KbisFields, OtherFields, RibFields, VatLine
from rpa.identifiers import compact, iban_is_valid, siren_is_valid
from rpa.money import AmountError, parse_amount_guess

T = TypeVar("T")
# An amount with two decimals, grouped or not (1 234,56 / 1.234,56 / 1,234.56 / 12.50), not a percentage.
_AMOUNT = re.compile(r"(?<![\d.,])-?(?:\d{1,3}(?:[ \u00a0\u202f.,']\d{3})+|\d+)[.,]\d{2}(?![\d%])(?!\s*%)")
_ID = re.compile(r"[A-Z0-9][A-Z0-9/_.\-]*\d[A-Z0-9/_\-]*", re.IGNORECASE)
_BIC = re.compile(r"\b[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?\b")
_NINE_DIGITS = r"(\d{3}[ \u00a0]?\d{3}[ \u00a0]?\d{3})"
_SIRET = re.compile(r"\b(\d{3}[ \u00a0]?\d{3}[ \u00a0]?\d{3}[ \u00a0]?\d{5})\b")
_RCS = (
    re.compile(rf"\bR\.?[CS]\.?[CS]\.?\s+[^\W\d_][\w' \-]*?\s+(?:[AB]\s+)?{_NINE_DIGITS}\b"),
    re.compile(rf"\b(?:[AB]\s+)?{_NINE_DIGITS}\s+R\.?C\.?S\b"),
)
_VAT = re.compile(r"\b([A-Z]{2})[ ]?([0-9A-Z]{2}(?:[ ]?\d){7,10})\b")
_CURRENCIES = {"€": "EUR", "EUR": "EUR", "$": "USD", "USD": "USD", "£": "GBP", "GBP": "GBP", "CHF": "CHF"}
_CURRENCY = re.compile(r"€|\$|£|\b(?:EUR|USD|GBP|CHF)\b")


def _labels(*words: str) -> re.Pattern[str]:
    """One pattern for alternative labels, matched case-insensitively at word starts."""
    return re.compile(r"(?<!\w)(?:" + "|".join(words) + r")", re.IGNORECASE)


GROSS = (
    _labels(
        r"total\s+t\.?t\.?c\.?",
        r"montant\s+t\.?t\.?c\.?",
        r"net\s+[àa]\s+payer",
        r"somme\s+[àa]\s+payer",
        r"total\s+[àa]\s+payer",
        r"montant\s+[àa]\s+payer",
        r"amount\s+due",
        r"total\s+due",
        r"balance\s+due",
        r"grand\s+total",
        r"total\s+amount",
        r"gesamtbetrag",
        r"rechnungsbetrag",
    ),
    _labels(r"total(?!\s*(?:h\.?t|hors|tva|t\.?v\.?a|tax|vat|net|excl|sub))"),
)
NET = (
    _labels(
        r"total\s+h\.?t\.?",
        r"montant\s+h\.?t\.?",
        r"total\s+hors\s+tax\w*",
        r"sous[\s-]total",
        r"subtotal",
        r"total\s+(?:excl\.?|excluding|before)\s+(?:vat|tax)",
        r"net\s+amount",
        r"total\s+net",
        r"nettobetrag",
    ),
)
TAX = (
    _labels(r"total\s+t\.?v\.?a\.?", r"montant\s+t\.?v\.?a\.?", r"total\s+(?:vat|tax)", r"vat\s+amount"),
    _labels(r"t\.?v\.?a\.?(?!\s*intra)", r"vat", r"tax", r"mwst\.?", r"ust\.?"),
)
NUMBER = (
    _labels(
        r"facture\s+n\s*[°o.º]",
        r"n\s*[°o.º]\s*(?:de\s+)?facture",
        r"num[ée]ro\s+de\s+facture",
        r"invoice\s+(?:number|no\.?|n[°o.º]|#)",
        r"rechnungs-?nr\.?",
        r"rechnungsnummer",
    ),
    _labels(r"invoice", r"facture"),
)
ISSUE_DATE = (
    _labels(
        r"date\s+de\s+(?:la\s+)?factur(?:e|ation)(?!\s+associ)",
        r"date\s+d['’]?[ée]mission",
        r"invoice\s+date",
        r"date\s+of\s+issue",
        r"issue\s+date",
        r"rechnungsdatum",
    ),
)
PLAIN_DATE = (
    _labels(
        r"date(?!\s*(?:limite|d['’]?[ée]ch[ée]ance|de\s+(?:livraison|d[ée]but|fin|paiement|r[eè]glement)|due))"
    ),
)
DUE_DATE = (
    _labels(
        r"date\s+d['’]?[ée]ch[ée]ance",
        r"[ée]ch[ée]ance",
        r"due\s+date",
        r"payment\s+due",
        r"date\s+limite",
        r"[àa]\s+payer\s+avant\s+le",
        r"zahlungsziel",
        r"f[äa]llig",
    ),
)
IBAN = (_labels(r"iban"),)
BIC = (_labels(r"bic", r"swift", r"code\s+banque\s+international"),)
SIREN = (_labels(r"siren", r"n°\s*siren"),)
SIRET = (_labels(r"siret"),)
VAT_ID = (
    _labels(
        r"tva\s+intra\w*",
        r"n°\s*(?:de\s+)?tva",
        r"vat\s+(?:number|no\.?|id|reg\w*)",
        r"ustid\w*",
        r"ust-?idnr\.?",
        r"tva",
        r"vat",
    ),
)
HOLDER = (
    _labels(
        r"titulaire\s+du\s+compte", r"titulaire", r"account\s+holder", r"account\s+name", r"kontoinhaber"
    ),
)
COMPANY = (
    _labels(
        r"d[ée]nomination(?:\s+sociale)?(?:\s+ou\s+raison\s+sociale)?",
        r"raison\s+sociale",
        r"company\s+name",
    ),
)
LEGAL_FORM = (_labels(r"forme\s+juridique", r"legal\s+form"),)
REGISTRATION = (
    _labels(r"date\s+d['’]?immatriculation", r"immatricul[ée]e?\s+le", r"date\s+of\s+registration"),
)
EXTRACT_DATE = (
    _labels(
        r"[àa]\s+jour\s+au",
        r"mis\s+[àa]\s+jour\s+le",
        r"date\s+d['’]?[ée]dition",
        r"d[ée]livr[ée]\s+le",
        r"extrait\s+(?:kbis\s+)?(?:du|au)",
    ),
)
SELLER = (
    _labels(r"vendeur", r"[ée]metteur", r"fournisseur", r"prestataire", r"seller", r"supplier", r"sold\s+by"),
)
BUYER = (
    _labels(
        r"factur[ée]e?\s+[àa]",
        r"adress[ée]e?\s+[àa]",
        r"destinataire",
        r"client(?!\s*(?:n|id|no|number|code|ref))",
        r"acheteur",
        r"bill(?:ed)?\s+to",
        r"invoice(?:d)?\s+to",
        r"sold\s+to",
        r"customer(?!\s*(?:n|id|no|number|code|ref))",
    ),
)
LAST_NAME = (_labels(r"nom(?!\s+(?:de|du|d['’]))", r"surname", r"last\s+name", r"family\s+name"),)
FIRST_NAME = (_labels(r"pr[ée]noms?", r"given\s+names?", r"first\s+name"),)
BIRTH_DATE = (_labels(r"date\s+de\s+naissance", r"n[ée]e?\s+le", r"date\s+of\s+birth", r"born"),)
EXPIRY_DATE = (
    _labels(
        r"date\s+d['’]?expiration",
        r"date\s+de\s+(?:fin\s+de\s+)?validit[ée]",
        r"valable\s+jusqu['’]?au",
        r"expire\s+le",
        r"expiry\s+date",
        r"date\s+of\s+expiry",
        r"expir(?:es|ation)(?:\s+date)?",
        r"valid\s+until",
    ),
)
DOCUMENT_NUMBER = (
    _labels(
        r"num[ée]ro\s+(?:du\s+document|de\s+la\s+pi[èe]ce)", r"num[ée]ro", r"n°", r"document\s+(?:number|no)"
    ),
)
COMPANY_OF_HOLDER = (_labels(r"soci[ée]t[ée]", r"entreprise", r"company"),)
# The legal mentions of a French B2B invoice a check may require, each told by its usual wordings.
MENTIONS: dict[str, re.Pattern[str]] = {
    "late_penalties": re.compile(
        r"p[ée]nalit[ée]s?\s+(?:de|pour)\s+retard|int[ée]r[êe]ts?\s+(?:de|pour)\s+retard|"
        r"taux\s+d['’]\s?int[ée]r[êe]t\s+l[ée]gal|late\s+(?:payment\s+)?(?:penalt|interest|fee|charge)",
        re.IGNORECASE,
    ),
    "recovery_indemnity": re.compile(
        r"indemnit[ée]\s+forfaitaire|frais\s+de\s+recouvrement|recovery\s+(?:fee|cost|compensation|indemnity)",
        re.IGNORECASE,
    ),
    "seller_address": re.compile(
        r"\b(?:F-|FR-|D-|B-|L-)?\d{5}\s+[^\W\d_]{2,}|\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b|"
        r"\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\b"
    ),
}
# Where a French company prints its legal identity: the seller's name is just above.
_LEGAL_BLOCK = re.compile(r"au\s+capital|\bsiren\b|\bsiret\b|\bR\.?C\.?S\b|share\s+capital", re.IGNORECASE)
_ADDRESS_LINE = re.compile(
    r"^\s*\d|\b\d{5}\b|\b(?:rue|avenue|av\.|bd|boulevard|chemin|place|all[ée]e|route|street|st\.?|road)\b",
    re.IGNORECASE,
)
_LINE_HEADER = re.compile(
    r"\b(?:d[ée]signation|description|libell[ée]|article|produit|prestation|item|beschreibung)\b",
    re.IGNORECASE,
)
_LAST_COLUMN = re.compile(
    r"(?:montant(?:\s+h\.?t\.?)?|total(?:\s+h\.?t\.?)?|amount|line\s+total|prix\s+total|zeilenbetrag)\s*\W*$",
    re.IGNORECASE,
)
_ROW_AMOUNT = re.compile(
    r"(?<![\d.,])-?\d{1,3}(?:[ \u00a0\u202f.,']\d{3})*(?:[.,]\d{2})?(?=\s*(?:€|EUR|\$|£)?\s*$)"
)
_VAT_LINE = re.compile(
    r"^[^\S\n]*(?:t\.?v\.?a\.?|vat|tax|mwst\.?|ust\.?)[^\S\n]+(?:[àa][^\S\n]+)?"
    r"(?P<rate>\d{1,2}(?:[.,]\d{1,2})?)[^\S\n]*%(?P<rest>[^\n]*)$",
    re.IGNORECASE | re.MULTILINE,
)
_BUYER_LINES = 5  # the buyer's name, street, town, country and VAT number under its label
_BELOW_MAX = 40  # a value printed under its label stands alone on a short line, not in a paragraph
_JUNK = " \t:.#°-–=|"  # what sits between a label and its value


def _after(text: str, end: int) -> tuple[str, str]:
    """The rest of the line after a label, and the next non-empty line (a value printed below its label)."""
    line_end = text.find("\n", end)
    rest = text[end : line_end if line_end >= 0 else len(text)]
    below = ""
    if line_end >= 0:
        for line in text[line_end + 1 :].split("\n", 3)[:3]:
            if line.strip():
                below = line if len(line.strip()) <= _BELOW_MAX else ""
                break
    return rest.lstrip(_JUNK), below.strip()


def find_labelled(
    text: str, labels: Sequence[re.Pattern[str]], read: Callable[[str], T | None], *, last: bool = False
) -> T | None:
    """The value ``read`` finds right after the first label that has one (the last occurrence first when
    ``last``, as totals come at the end); on the same line, else on the line below when the label ends it."""
    for label in labels:
        matches = list(label.finditer(text))
        for match in reversed(matches) if last else matches:
            if text[match.end() : match.end() + 1].isalnum() and match.group(0)[-1:].isalnum():
                continue  # the label is only the start of a longer word ("dates", "totalement")
            rest, below = _after(text, match.end())
            value = read(rest) if rest.strip() else None
            if value is None and not rest.strip():
                value = read(below)
            if value is not None:
                return value
    return None


def read_amount(text: str) -> Decimal | None:
    """The last two-decimal amount of ``text`` (a totals line lists net, tax, gross left to right)."""
    found = _AMOUNT.findall(text)
    for token in reversed(found):
        try:
            return parse_amount_guess(token)
        except AmountError:
            continue
    return None


def read_first_date(text: str) -> date | None:
    return next((d for _, d in iter_dates(text)), None)


def read_identifier(text: str) -> str | None:
    """An invoice number: the first token holding a digit (``INV/2023/03/0008``, ``F-2024-12``)."""
    match = _ID.match(text.strip())
    return match.group(0).rstrip(".-/") if match else None


def read_iban(text: str) -> str | None:
    """The longest run of tokens that checks as an IBAN; else a plausible one as written (checked later)."""
    tokens: list[str] = []
    for token in re.split(r"[ \u00a0]+", text.strip()):
        if not token.isalnum() or len("".join(tokens) + token) > 34:
            break
        tokens.append(token)
    candidates = [compact("".join(tokens[:n])) for n in range(len(tokens), 0, -1)]
    valid = next((c for c in candidates if iban_is_valid(c)), None)
    if valid:
        return valid
    plausible = [c for c in candidates if re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", c)]
    return plausible[-1] if plausible else None


def read_bic(text: str) -> str | None:
    """The BIC as written (checked later): a well-formed one first, else the first code-like token."""
    match = _BIC.search(text)
    if match:
        return match.group(0)
    token = re.match(r"\s*([A-Z0-9]{6,14})\b", text)
    return token.group(1) if token and re.search(r"[A-Z]{4}", token.group(1)) else None


def read_vat(text: str) -> str | None:
    match = _VAT.search(text.upper())
    return compact(match.group(1) + match.group(2)) if match else None


def read_line(text: str) -> str | None:
    """A name on the rest of a line, up to a separator (`` - ``, ``|``, two spaces)."""
    value = re.split(r"\s+[-–|]\s+|\s{2,}|\t", text.strip(), maxsplit=1)[0].strip(" :.,")
    return value or None


def currency(text: str) -> str | None:
    """The currency most often written in ``text`` (``€``, ``EUR``, ``$``…); None when none is."""
    counts = Counter(_CURRENCIES[m.group(0)] for m in _CURRENCY.finditer(text))
    return counts.most_common(1)[0][0] if counts else None


def siren_siret(text: str) -> tuple[str | None, str | None]:
    """(SIREN, SIRET) of the issuer: labelled ones first, else the number of an RCS mention."""
    siret = find_labelled(text, SIRET, lambda s: _digits(_SIRET.match(s)))
    siren = find_labelled(text, SIREN, lambda s: _digits(re.match(_NINE_DIGITS, s)))
    if siren is None:
        siren = next(
            (_digits(m) for p in _RCS for m in p.finditer(text) if siren_is_valid(_digits(m) or "")), None
        )
    if siren is None and siret:
        siren = siret[:9]
    return siren, siret


def _digits(match: re.Match[str] | None) -> str | None:
    return re.sub(r"\D", "", match.group(1) if match.lastindex else match.group(0)) if match else None


def _column_totals(text: str) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """(net, tax, gross) from a table whose header names HT/TVA/TTC columns and whose total row follows."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        order = _column_order(line)
        if len(order) < 2:
            continue
        for row in lines[index + 1 : index + 15]:
            amounts = _AMOUNT.findall(row)
            if re.match(r"\s*total", row, re.IGNORECASE) and len(amounts) == len(order):
                values = dict(zip(order, (parse_amount_guess(a) for a in amounts), strict=True))
                return values.get("net"), values.get("tax"), values.get("gross")
    return None, None, None


def _column_order(line: str) -> list[str]:
    found = [(m.start(), "net") for m in re.finditer(r"\bH\.?T\b|\bnet\b", line, re.IGNORECASE)]
    found += [(m.start(), "tax") for m in re.finditer(r"\bT\.?V\.?A\b|\bVAT\b|\btax\b", line, re.IGNORECASE)]
    found += [(m.start(), "gross") for m in re.finditer(r"\bT\.?T\.?C\b", line, re.IGNORECASE)]
    return [kind for _, kind in sorted(found)]


def _buyer_block(text: str) -> tuple[int, int]:
    """Where the buyer's name and address are written: from its label over the next few lines."""
    match = next((m for p in BUYER for m in p.finditer(text)), None)
    if match is None:
        return (0, 0)
    end = match.end()
    for _ in range(_BUYER_LINES):
        found = text.find("\n", end + 1)
        end = found if found >= 0 else len(text)
    return (match.start(), end)


def vat_ids(text: str, seller_siren: str | None) -> tuple[str | None, str | None]:
    """(seller's, buyer's) VAT numbers among the labelled ones: the seller's is the one of its SIREN, else
    the first outside the buyer's block; the buyer's is one inside it."""
    start, end = _buyer_block(text)
    found: list[tuple[bool, str]] = []
    for label in VAT_ID:
        for match in label.finditer(text):
            rest, below = _after(text, match.end())
            value = read_vat(rest) if rest.strip() else read_vat(below)
            if value and all(value != v for _, v in found):
                found.append((start <= match.start() < end, value))
    own = next((v for _, v in found if seller_siren and v.endswith(seller_siren)), None)
    seller = own or next((v for inside, v in found if not inside), None)
    buyer = next((v for inside, v in found if inside and v != seller), None)
    return seller, buyer


def invoice_fields(text: str) -> InvoiceFields:
    """The invoice fields written in ``text``; the ones not found are None."""
    text = text.replace("\r\n", "\n")
    net, tax, gross = _column_totals(text)
    siren, siret = siren_siret(text)
    seller_vat, buyer_vat = vat_ids(text, siren)
    number_at = next((m.end() for p in NUMBER[:1] for m in p.finditer(text)), None)
    issue = find_labelled(text, ISSUE_DATE, read_first_date)
    if issue is None and number_at is not None:  # "Facture n° 123 du 2 juillet 2015"
        issue = read_first_date(text[number_at : text.find("\n", number_at) % (len(text) + 1)])
    net = find_labelled(text, NET, read_amount, last=True) or net
    return InvoiceFields(
        seller_name=find_labelled(text, SELLER, read_name) or seller_name(text),
        buyer_name=find_labelled(text, BUYER, read_name),
        lines_total=lines_total(text),
        vat_breakdown=vat_lines(text, net),
        mentions=mentions(text),
        number=find_labelled(text, NUMBER, read_identifier),
        issue_date=issue or find_labelled(text, PLAIN_DATE, read_first_date),
        due_date=find_labelled(text, DUE_DATE, read_first_date),
        seller_siren=siren,
        seller_siret=siret,
        seller_vat_id=seller_vat,
        buyer_vat_id=buyer_vat,
        iban=find_labelled(text, IBAN, read_iban),
        bic=find_labelled(text, BIC, read_bic),
        currency=currency(text),
        total_net=net,
        total_tax=find_labelled(text, TAX, read_amount, last=True) or tax,
        total_gross=find_labelled(text, GROSS, read_amount, last=True) or gross,
    )


def rib_fields(text: str) -> RibFields:
    """The bank account written in ``text``: holder, IBAN, BIC and, for a French IBAN, the RIB parts."""
    iban = find_labelled(text, IBAN, read_iban)
    parts: dict[str, str | None] = {}
    if iban and iban.startswith("FR") and len(iban) == 27:
        parts = {
            "bank_code": iban[4:9],
            "branch_code": iban[9:14],
            "account_number": iban[14:25],
            "rib_key": iban[25:],
        }
    return RibFields(
        holder=find_labelled(text, HOLDER, read_line),
        iban=iban,
        bic=find_labelled(text, BIC, read_bic),
        **parts,
    )


def kbis_fields(text: str) -> KbisFields:
    """The company a Kbis extract describes, when it registered and how recent the extract is."""
    siren, _ = siren_siret(text)
    siret = find_labelled(text, SIRET, lambda s: _digits(_SIRET.match(s)))
    return KbisFields(
        company_name=find_labelled(text, COMPANY, read_line),
        siren=siren,
        siret=siret,
        legal_form=find_labelled(text, LEGAL_FORM, read_line),
        registration_date=find_labelled(text, REGISTRATION, read_first_date),
        extract_date=find_labelled(text, EXTRACT_DATE, read_first_date),
    )


def identity_fields(text: str) -> IdentityFields:
    """Whose identity document it is and until when it is valid."""
    return IdentityFields(
        last_name=find_labelled(text, LAST_NAME, read_line),
        first_name=find_labelled(text, FIRST_NAME, read_line),
        company_name=find_labelled(text, COMPANY_OF_HOLDER, read_name),
        document_number=find_labelled(text, DOCUMENT_NUMBER, read_identifier),
        birth_date=find_labelled(text, BIRTH_DATE, read_first_date),
        expiry_date=find_labelled(text, EXPIRY_DATE, read_first_date),
    )


def read_name(text: str) -> str | None:
    """A party's name on the rest of a line: like :func:`read_line`, but not an address or a number."""
    value = read_line(text)
    if value is None or _ADDRESS_LINE.search(value) or not re.search(r"[^\W\d_]{2}", value):
        return None
    return value


def seller_name(text: str) -> str | None:
    """The issuer's name when the text does not label it: the name-like line just above the first legal
    identity block (capital, SIREN, RCS), skipping its address lines; None when there is no such block."""
    lines = [line.strip() for line in text.splitlines()]
    block = next((i for i, line in enumerate(lines) if _LEGAL_BLOCK.search(line)), None)
    if block is None:
        return None
    for line in reversed(lines[max(0, block - 5) : block + 1]):
        head = re.split(r"\s+[-–|]\s+|\s{2,}", line, maxsplit=1)[0].strip(" :.")
        if not head or _LEGAL_BLOCK.search(head) or _ADDRESS_LINE.search(head) or ":" in head or "," in head:
            continue
        words = head.split()
        if (
            len(head) <= 60
            and len(words) <= 6
            and re.search(r"[^\W\d_]{2}", head)
            and not NUMBER[1].match(head)
        ):
            return head
    return None


def lines_total(text: str) -> Decimal | None:
    """The sum of the line amounts of a one-amount-column table (description … amount), read up to the net
    total; None when the table is not that simple (several amount columns, section subtotals)."""
    lines = text.splitlines()
    header = next(
        (i for i, line in enumerate(lines) if _LINE_HEADER.search(line) and _LAST_COLUMN.search(line)), None
    )
    if header is None or len(set(_column_order(lines[header]))) > 1:
        return None
    below = "\n".join(lines[header + 1 :])
    if sum(1 for p in NET for _ in p.finditer(below)) != 1:
        return None  # section subtotals: the lines of one section do not make the invoice's total
    total, rows = Decimal(0), 0
    for line in lines[header + 1 :]:
        if any(p.search(line) for p in NET + GROSS) or re.match(r"\s*total", line, re.IGNORECASE):
            return total if rows else None
        match = _ROW_AMOUNT.search(line.strip())
        if match is None:
            continue  # a description carried over to the next line
        try:
            total += parse_amount_guess(match.group(0))
        except AmountError:
            return None
        rows += 1
    return None


def vat_lines(text: str, net: Decimal | None) -> tuple[VatLine, ...]:
    """The VAT written per rate ("TVA 20 % : 9,34 €", "Tax 15% on $ 112.90 $ 16.94"): the rate, the tax and
    the base when written; with a single rate and no base written, the base is the net total."""
    found: dict[Decimal, VatLine] = {}
    for match in _VAT_LINE.finditer(text):
        rate = Decimal(match.group("rate").replace(",", "."))
        try:
            amounts = [parse_amount_guess(a) for a in _AMOUNT.findall(match.group("rest"))]
        except AmountError:
            continue
        if not amounts or rate <= 0 or rate >= 100 or rate in found:
            continue
        base = amounts[-2] if len(amounts) >= 2 else None
        found[rate] = VatLine(rate=rate, base=base, tax=amounts[-1])
    if len(found) == 1 and net is not None:
        (line,) = found.values()
        if line.base is None:
            found[line.rate] = line.model_copy(update={"base": net})
    return tuple(found.values())


def mentions(text: str) -> tuple[str, ...]:
    """The names (keys of ``MENTIONS``) of the legal mentions written in ``text``."""
    return tuple(name for name, pattern in MENTIONS.items() if pattern.search(text))


def other_fields(text: str) -> OtherFields:
    return OtherFields(document_date=find_labelled(text, PLAIN_DATE, read_first_date))


def missing(fields: InvoiceFields) -> Iterator[str]:
    """The names of the key invoice fields not found (number, date, totals): worth a second reading."""
    for name in ("number", "issue_date", "total_gross", "total_net"):
        if getattr(fields, name) is None:
            yield name
