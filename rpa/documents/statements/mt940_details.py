"""The ``:86:`` information field of MT940, whose layout differs per bank.

Three families are recognised: the German/Dutch sub-field style (``166?00GUTSCHRIFT?20EREF+…?32Name``,
``>`` instead of ``?`` at some banks), the slash-keyword style (``/EREF/…/NAME/…/REMI/…``) and free text.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from rpa.documents.statements.common import clean


@dataclass(frozen=True, slots=True)
class Details:
    """What ``:86:`` says about one line."""

    remittance: str = ""
    end_to_end_id: str = ""
    counterparty_name: str = ""
    counterparty_iban: str = ""
    creditor_reference: str = ""


_SUBFIELDS = re.compile(r"^\s*(\d{3})\s*([?>])(\d\d)")
# DK (German banking) SEPA keywords found inside the ?20..?29 purpose sub-fields.
_SEPA_KEYWORD = re.compile(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|COAM|OAMT|IBAN|BIC)\+")
_IDENTIFIERS = {"EREF", "KREF", "MREF", "CRED", "DEBT", "IBAN", "BIC"}
_SUBFIELD_WIDTH = 27
_SLASH_KEYS = (
    "EREF|REMI|NAME|IBAN|BIC|CNTP|BENM|ORDP|ISDT|CSID|MARF|TRTP|RTRN|ADDR|PREF|KREF|SVCL|ULTC|ULTD|"
    "ULTB|PURP|EXCH|CHGS|OCMT|RTYP|BUSP|ACCW|IDDT|CDTRREF|CDTRREFTP|CD|ISSR"
)
_SLASH_KEY = re.compile(rf"/({_SLASH_KEYS})/")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")


def parse_details(lines: list[str]) -> Details:
    """Read the ``:86:`` field given as its physical lines (tag already removed)."""
    if not lines:
        return Details()
    match = _SUBFIELDS.match(lines[0])
    if match:
        return _subfield_style("".join(lines), match.group(2))
    joined = _join_wrapped(lines)
    if _SLASH_KEY.match(joined.lstrip()):
        return _slash_style(joined.strip())
    return Details(remittance=clean(joined))


def looks_like_iban(value: str) -> bool:
    return bool(_IBAN.match(value.replace(" ", "").upper()))


def _join_wrapped(lines: list[str]) -> str:
    # Field 86 is written in lines of 64-65 characters: a full line was cut mid-word (often mid-reference),
    # a shorter one ended a phrase.
    out = lines[0]
    for previous, line in itertools.pairwise(lines):
        out += ("" if len(previous) >= 64 else " ") + line
    return out


def _subfield_style(text: str, separator: str) -> Details:
    # Sub-fields ?NN are the structure; physical line breaks inside them carry no meaning.
    parts = re.split(rf"\{separator}(\d\d)", text)
    fields: dict[int, list[str]] = {}
    for code, value in zip(parts[1::2], parts[2::2], strict=True):
        fields.setdefault(int(code), []).append(value)
    purpose = [v for code in range(20, 30) for v in fields.get(code, [])]
    extra = "".join(v for code in range(60, 64) for v in fields.get(code, []))
    name = clean("".join(v for code in (32, 33) for v in fields.get(code, [])))
    account = "".join(fields.get(31, [])).strip()
    keyed = _sepa_keywords(purpose)
    end_to_end = keyed.get("EREF", "")
    if end_to_end.upper() == "NOTPROVIDED":
        end_to_end = ""
    remittance = keyed.get("SVWZ") or _join_subfields(purpose)[0]
    iban = account if looks_like_iban(account) else keyed.get("IBAN", "")
    return Details(
        remittance=clean(f"{remittance} {extra}"),
        end_to_end_id=end_to_end,
        counterparty_name=name or keyed.get("ABWA", "") or keyed.get("ABWE", ""),
        counterparty_iban=iban.replace(" ", ""),
    )


def _join_subfields(subfields: list[str]) -> tuple[str, list[int]]:
    """Purpose sub-fields as one text, and the offsets where a phrase ended.

    A sub-field shorter than its 27 characters ended a phrase (a space follows it); a full one was cut
    where the width ran out, mid-word as often as not (joined without a space).
    """
    text, phrase_ends = "", []
    for previous, value in zip([None, *subfields], subfields, strict=False):
        if previous is not None and len(previous) < _SUBFIELD_WIDTH:
            phrase_ends.append(len(text))
            text += " "
        text += value
    if subfields and len(subfields[-1]) < _SUBFIELD_WIDTH:
        phrase_ends.append(len(text))
    return text, phrase_ends


def _sepa_keywords(subfields: list[str]) -> dict[str, str]:
    """Values of the SEPA keywords found in the purpose sub-fields ?20..?29.

    A sub-field holds 27 characters: an identifier (EREF+, KREF+…) that ends before its sub-field is
    full is complete there, and text after it is not part of the identifier.
    """
    purpose, boundaries = _join_subfields(subfields)
    found = list(_SEPA_KEYWORD.finditer(purpose))
    keyed: dict[str, str] = {}
    for match, following in zip(found, [*found[1:], None], strict=False):
        end = following.start() if following else len(purpose)
        if match.group(1) in _IDENTIFIERS:
            end = min([end, *(b for b in boundaries if b > match.end())])
        keyed.setdefault(match.group(1), clean(purpose[match.end() : end]))
    return keyed


def _slash_style(text: str) -> Details:
    found = list(_SLASH_KEY.finditer(text))
    values: dict[str, str] = {}
    for match, following in zip(found, [*found[1:], None], strict=False):
        end = following.start() if following else len(text)
        values.setdefault(match.group(1), text[match.end() : end].strip().strip("/"))
    name, iban = values.get("NAME", ""), values.get("IBAN", "")
    if "CNTP" in values:  # /CNTP/iban/bic/name/city/
        cntp = values["CNTP"].split("/")
        iban = iban or cntp[0]
        name = name or (cntp[2] if len(cntp) > 2 else "")
    remittance = values.get("REMI", "")
    creditor_ref = ""
    for prefix in ("USTD//", "USTD/"):
        if remittance.startswith(prefix):
            remittance = remittance[len(prefix) :]
            break
    if remittance.startswith("STRD/"):  # /REMI/STRD/CUR/<creditor reference>/
        creditor_ref = remittance.split("/")[-1]
        remittance = creditor_ref
    end_to_end = values.get("EREF", "")
    if end_to_end.upper() == "NOTPROVIDED":
        end_to_end = ""
    return Details(
        remittance=clean(remittance),
        end_to_end_id=clean(end_to_end),
        counterparty_name=clean(name),
        counterparty_iban=iban.replace(" ", ""),
        creditor_reference=creditor_ref,
    )
