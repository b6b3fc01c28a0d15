"""Read any statement file: sniff the format from its content, refuse oversized files, dispatch."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from rpa.documents.statements.balances import with_balance_check
from rpa.documents.statements.camt import parse_camt
from rpa.documents.statements.cfonb import RECORD_LENGTH, parse_cfonb
from rpa.documents.statements.common import MALFORMED, TOO_LARGE, UNREADABLE, UNSUPPORTED, statement_error
from rpa.documents.statements.csv_profiles import PROFILES, CsvProfile
from rpa.documents.statements.csv_statement import parse_csv, pick_profile
from rpa.documents.statements.model import Statement
from rpa.documents.statements.mt940 import parse_mt940
from rpa.documents.statements.ofx import parse_ofx
from rpa.errors import ConfigError, DocumentReadError, RpaError

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
FORMATS = ("camt", "mt940", "ofx", "cfonb120", "csv")

_MT940_FIELD = re.compile(rb"^:(20|25|28C?|60[FM]|61):", re.MULTILINE)
_CFONB_RECORD = re.compile(rb"^0[1457]\d{5}")


def detect_format(data: bytes) -> str:
    """One of FORMATS, 'xml' (some other XML) or 'unknown', judged from the content, not the file name."""
    head = data[:8192].lstrip(b"\xef\xbb\xbf \t\r\n")
    upper = head.upper()
    if head.startswith(b"OFXHEADER") or b"<OFX>" in upper or b"<?OFX" in upper:
        return "ofx"
    if head.startswith(b"<"):
        return "camt" if b"BKTOCSTMR" in upper or b"CAMT.05" in upper else "xml"
    if head.startswith(b"{1:") or _MT940_FIELD.search(head):
        return "mt940"
    first = head.splitlines()[0] if head else b""
    if _CFONB_RECORD.match(first) and (len(first) == RECORD_LENGTH or len(head) % RECORD_LENGTH == 0):
        return "cfonb120"
    if first and any(sep in first for sep in (b";", b",", b"\t", b"|")) and b"\x00" not in head:
        return "csv"
    return "unknown"


def profile_catalogue(declared: Iterable[CsvProfile] = ()) -> dict[str, CsvProfile]:
    """The built-in CSV profiles plus the ones declared in configuration; a name may be used once."""
    catalogue = dict(PROFILES)
    for profile in declared:
        if profile.name in catalogue:
            taken = "built-in" if profile.name in PROFILES else "already declared"
            raise ConfigError(
                f"CSV profile name {profile.name!r} is {taken}; give the declared profile another name",
                code="STATEMENT_CSV_PROFILE",
            )
        catalogue[profile.name] = profile
    return catalogue


def resolve_profile(
    csv_profile: str | CsvProfile | None, data: bytes, profiles: Mapping[str, CsvProfile] = PROFILES
) -> CsvProfile:
    """The profile named (among ``profiles``), or the first whose header fits ``data``, else 'generic'."""
    if isinstance(csv_profile, CsvProfile):
        return csv_profile
    if csv_profile is None:
        return pick_profile(data, list(profiles.values())) or PROFILES["generic"]
    if csv_profile not in profiles:
        raise ConfigError(
            f"unknown CSV profile {csv_profile!r}; known profiles: {', '.join(sorted(profiles))}",
            code="STATEMENT_CSV_PROFILE",
        )
    return profiles[csv_profile]


def per_account_line_ids(statements: list[Statement]) -> list[Statement]:
    """``line_id`` unique within the file: a reference found under two accounts of one export (a transfer
    between them carries the same reference on both sides) gets its account appended, ``REF@IBAN``, so
    decisions, work items and postings of the two lines never collide. Other references stay as the
    bank wrote them."""
    accounts: dict[str, set[str]] = {}
    for statement in statements:
        for line in statement.lines:
            accounts.setdefault(line.line_id, set()).add(statement.account_iban)
    shared = {ref for ref, where in accounts.items() if len(where) > 1}
    if not shared:
        return statements
    return [
        replace(
            statement,
            lines=tuple(
                replace(line, line_id=f"{line.line_id}@{statement.account_iban}")
                if line.line_id in shared
                else line
                for line in statement.lines
            ),
        )
        for statement in statements
    ]


def parse_statement(
    path: Path,
    *,
    csv_profile: str | CsvProfile | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    csv_profiles: Mapping[str, CsvProfile] = PROFILES,
) -> list[Statement]:
    """Read the statements of one file, whatever its format; DocumentReadError says what and where if not.

    ``csv_profile`` names one of ``csv_profiles`` (or is a profile); when None, the profile is picked
    from the header. Each statement's balances are checked: one that does not add up carries a
    ``STATEMENT_UNBALANCED`` finding with the difference.
    """
    source = path.name
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise statement_error(
                TOO_LARGE,
                source,
                "",
                f"the file is {size:,} bytes, over the {max_bytes:,} limit",
                "split the export or raise the limit for this source",
            )
        data = path.read_bytes()
    except OSError as exc:
        raise statement_error(
            UNREADABLE, source, "", f"cannot read the file ({exc.strerror or exc})"
        ) from exc
    fmt = detect_format(data)
    try:
        statements = [with_balance_check(s) for s in _dispatch(fmt, data, source, csv_profile, csv_profiles)]
        return per_account_line_ids(statements)
    except RpaError:
        raise
    except (
        Exception
    ) as exc:  # a file that trips the reader must not stop the run: report it like any bad file
        raise statement_error(
            MALFORMED,
            source,
            "",
            f"could not be read as {fmt} ({type(exc).__name__}: {exc})",
            "keep the file and report it with the product version",
        ) from exc


def _dispatch(
    fmt: str,
    data: bytes,
    source: str,
    csv_profile: str | CsvProfile | None,
    csv_profiles: Mapping[str, CsvProfile],
) -> list[Statement]:
    if fmt in {"camt", "xml"}:  # other XML goes through the safe parser too: it says what it found
        return parse_camt(data, source)
    if fmt == "mt940":
        return parse_mt940(data, source)
    if fmt == "ofx":
        return parse_ofx(data, source)
    if fmt == "cfonb120":
        return parse_cfonb(data, source)
    if fmt == "csv":
        return parse_csv(data, source, resolve_profile(csv_profile, data, csv_profiles))
    raise statement_error(
        UNSUPPORTED,
        source,
        "",
        "this is not a statement format we read",
        f"expected one of {', '.join(FORMATS)}",
    )


def parse_many(
    paths: Iterable[Path],
    *,
    csv_profile: str | CsvProfile | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    csv_profiles: Mapping[str, CsvProfile] = PROFILES,
) -> tuple[list[Statement], list[DocumentReadError]]:
    """Read several files; a bad one is reported and the others still come through."""
    statements: list[Statement] = []
    errors: list[DocumentReadError] = []
    for path in paths:
        try:
            statements.extend(
                parse_statement(path, csv_profile=csv_profile, max_bytes=max_bytes, csv_profiles=csv_profiles)
            )
        except DocumentReadError as exc:
            errors.append(exc)
    return statements, errors
