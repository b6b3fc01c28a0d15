"""MT940 files cut into statements and ``:TAG:`` fields, tolerating what banks wrap around them.

Accepted without complaint: SWIFT envelopes (``{1:…}{2:…}{4:`` … ``-}{5:…}``, also on one line), SOH/ETX
framing characters, bank headers before the first field, ``$`` message separators, bank-specific fields
(``:NS:``) and ``:86:`` continuation lines that merely look like a tag. Each such variant is noted with
its line number so the statement can say what was unusual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rpa.documents.statements.common import MALFORMED, statement_error

KNOWN_TAGS = frozenset(
    {"13D", "20", "21", "25", "25P", "28", "28C", "34F", "60F", "60M", "61", "62F", "62M", "64", "65", "86"}
    | {"90C", "90D"}
)
BALANCE_TAGS = frozenset({"60F", "60M", "62F", "62M", "64", "65"})
# Fields some banks add that are not SWIFT's (Austrian and German banks write :NS: with free text).
BANK_TAGS = frozenset({"NS"})

_FIELD = re.compile(r"^:(\d\d[A-Z]?|[A-Z]{2,3}):(.*)$")
_END = re.compile(r"^-[A-Z]*\}?$")
_TRAILER = re.compile(r"(^|\})\{5:.*$")  # the envelope trailer, alone or right after the block end "-}"
_FRAMING = str.maketrans("", "", "\x01\x02\x03\x04\x1a")  # SOH STX ETX EOT and the DOS end-of-file mark
# What the start of each field's value must look like for a tag-like line inside :86: to open a field.
_PLAUSIBLE = {
    "61": re.compile(r"^\s*\d{6}"),
    "28C": re.compile(r"^\s*\d"),
    "28": re.compile(r"^\s*\d"),
    **{tag: re.compile(r"^\s*[CD]\s*\d{6}") for tag in BALANCE_TAGS},
}


@dataclass(slots=True)
class Field:
    """One ``:TAG:`` field: its value lines (tag removed, cleaned) and the physical lines as written."""

    tag: str
    lines: list[str]
    line_no: int
    raw: list[str]


@dataclass(slots=True)
class Block:
    """The fields of one statement, and the variants met while reading it (line number, what)."""

    fields: list[Field] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)

    def has(self, *tags: str) -> bool:
        return any(f.tag in tags for f in self.fields)


def _free_text(tag: str) -> bool:
    return tag == "86" or tag not in KNOWN_TAGS


def _opens_field(tag: str, value: str, active: Field | None) -> bool:
    """Whether a ``:TAG:`` line starts a field, or continues the free text of the field before it."""
    if active is None or not _free_text(active.tag):
        return True
    if tag not in KNOWN_TAGS and tag not in BANK_TAGS:
        return False  # ":XYZ:" or ":99:" inside a payment text, not a field
    pattern = _PLAUSIBLE.get(tag)
    return pattern is None or bool(pattern.match(value))


def tokenize(content: str, source: str) -> list[Block]:
    """The statements of an MT940 text, each as its fields in file order."""
    blocks: list[Block] = []
    current = Block()
    active: Field | None = None
    for line_no, physical in enumerate(content.splitlines(), 1):
        line = physical.translate(_FRAMING).rstrip()
        if len(line) != len(physical.rstrip()):
            current.notes.append((line_no, "SOH/ETX framing characters ignored"))
        if "{4:" in line:  # SWIFT envelope: keep what follows the text block opener
            line = line.split("{4:", 1)[1]
        line = _TRAILER.sub(r"\1", line)
        stripped = line.strip()
        match = _FIELD.match(line)
        if match and _opens_field(match.group(1), match.group(2), active):
            tag = match.group(1)
            if tag[0].isdigit() and tag not in KNOWN_TAGS:
                # A SWIFT-style tag we do not know may be a mistyped :61: or balance: reading on could
                # drop money silently, so this one is refused.
                raise statement_error(
                    MALFORMED,
                    source,
                    f"line {line_no}",
                    f"unknown MT940 field :{tag}:",
                    "it is neither an MT940/MT942 field nor a bank's own lettered field (like :NS:); "
                    "ask the bank what it means",
                )
            if tag not in KNOWN_TAGS:
                current.notes.append((line_no, f"bank-specific field :{tag}: kept in the line's raw text"))
            starts_new = tag == "20" or (tag in {"60F", "60M"} and current.has("60F", "60M"))
            if starts_new and current.fields:
                blocks.append(current)
                current = Block()
            active = Field(tag, [match.group(2)], line_no, [physical])
            current.fields.append(active)
        elif match and active is not None:
            active.lines.append(line)
            active.raw.append(physical)
            current.notes.append((line_no, f"{line[:12]!r} read as text of :{active.tag}:, not as a field"))
        elif not stripped or stripped in {"$", "}"}:
            continue  # blank lines, message separators and envelope closers carry nothing
        elif _END.match(stripped):
            if current.fields:
                blocks.append(current)
            current, active = Block(notes=current.notes if not current.fields else []), None
        elif active is None:
            continue  # bank headers before the first field (ABNANL2A, 940, 0000 01INGB…)
        elif _free_text(active.tag) or active.tag == "61":
            if active.tag == "61" and len(active.lines) >= 2:
                current.notes.append((line_no, "more than one line of supplementary details after :61:"))
            active.lines.append(line)
            active.raw.append(physical)
        else:
            raise statement_error(
                MALFORMED,
                source,
                f"line {line_no}",
                f"unexpected text {stripped[:40]!r} after field :{active.tag}:",
                "this field has no continuation lines, so the text belongs to no field; "
                "check that the file is complete or download it again",
            )
    if current.fields:
        blocks.append(current)
    return blocks
