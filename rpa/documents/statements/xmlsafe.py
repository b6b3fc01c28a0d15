"""Safe XML reading for statements: no DTD, no entities, no network; elements found by local name."""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError
from xml.parsers.expat import ErrorString

import defusedxml
import defusedxml.ElementTree as safe_et

from rpa.documents.statements.common import MALFORMED, statement_error


def parse_xml(data: bytes, source: str) -> Element:
    """Parse ``data`` refusing any DOCTYPE, entity declaration or external reference.

    Statements never need a DTD; refusing it outright stops entity-expansion bombs and XXE before
    anything is expanded or fetched, so a hostile file fails fast and reads nothing.
    """
    try:
        root: Element = safe_et.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        line = data[: max(data.find(b"<!DOCTYPE"), 0)].count(b"\n") + 1
        raise statement_error(
            MALFORMED,
            source,
            f"line {line}",
            f"the XML declares a DOCTYPE or entities ({type(exc).__name__}), refused for safety",
            "bank statements never need one; ask the sender for the plain ISO 20022 file",
        ) from exc
    except ParseError as exc:
        line, column = exc.position
        raise statement_error(
            MALFORMED,
            source,
            f"line {line} column {column}",
            f"the XML is not well-formed ({ErrorString(exc.code)})",
            "the file may be truncated or damaged; download it again",
        ) from exc
    return root


def local(tag: str) -> str:
    """``{urn:iso:...camt.053.001.08}Ntry`` → ``Ntry``: versions differ only by namespace."""
    return tag.rsplit("}", 1)[-1]


def namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def children(element: Element, name: str) -> list[Element]:
    return [child for child in element if local(child.tag) == name]


def child(element: Element | None, *names: str) -> Element | None:
    """Descend through ``names`` taking the first match at each level; None when a level is missing."""
    current = element
    for name in names:
        if current is None:
            return None
        current = next((c for c in current if local(c.tag) == name), None)
    return current


def text(element: Element | None, *names: str) -> str:
    """Stripped text of the element at ``names`` below ``element``; '' when absent."""
    found = child(element, *names) if names else element
    if found is None or found.text is None:
        return ""
    return found.text.strip()


def first_text(element: Element | None, *paths: tuple[str, ...]) -> str:
    """Text of the first of ``paths`` that has some: the same datum sits at different places per version."""
    for path in paths:
        value = text(element, *path)
        if value:
            return value
    return ""
