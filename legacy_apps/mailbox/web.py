"""The mailbox in a browser (``/mail/``: list, message page) and as JSON (``/mail/api/...``), plus the
``/_admin/mail/...`` routes tests use to read, empty and configure it."""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from legacy_apps.mailbox.store import Mailbox, ReceivedMessage
from legacy_apps.web.html import e, page, table


def _list_page(base: str, messages: list[ReceivedMessage]) -> str:
    rows = [
        [
            f'<td data-message-no="{m.message_no}" data-message-id="{e(m.message_id)}">{m.message_no}</td>',
            f"<td>{e(', '.join(m.envelope_to))}</td>",
            f'<td><a href="{base}/message/{m.message_no}">{e(m.subject) or "(no subject)"}</a></td>',
            f"<td>{e(m.message_id)}</td><td>{len(m.attachments)}</td>",
        ]
        for m in messages
    ]
    grid = table(["No.", "To", "Subject", "Message-ID", "Attachments"], rows, table_id="mail-messages")
    body = f'<h3>Mailbox</h3><p id="mail-count">{len(messages)} message(s)</p>{grid}'
    return page("Mailbox", body)


def _message_page(base: str, m: ReceivedMessage) -> str:
    fields = [
        ("From (envelope)", m.envelope_from), ("To (envelope)", ", ".join(m.envelope_to)),
        ("From", m.header_from), ("To", m.header_to), ("Subject", m.subject), ("Message-ID", m.message_id),
    ]  # fmt: skip
    rows = "".join(f'<tr><td class="lbl">{e(k)}</td><td>{e(v)}</td></tr>' for k, v in fields)
    files = "".join(f"<li>{e(name)}</li>" for name in m.attachments) or "<li><i>None</i></li>"
    body = (
        f'<h3>Message {m.message_no}</h3><table class="grid" id="mail-headers">{rows}</table>'
        f'<h4>Text</h4><pre id="mail-text">{e(m.text_body)}</pre>'
        f'<h4>Attachments</h4><ul id="mail-attachments">{files}</ul>'
        f'<p><a href="{base}/">All messages</a> |'
        f' <a href="{base}/api/messages/{m.message_no}/raw">Raw</a></p>'
    )
    return page(f"Message {m.message_no}", body)


def _listing(mailbox: Mailbox, request: Request) -> Response:
    wanted = request.query_params.get("message_id", "")
    found = mailbox.find(wanted) if wanted else mailbox.messages()
    return JSONResponse({"count": len(found), "messages": [m.as_dict(with_body=True) for m in found]})


def create_mail_web(mailbox: Mailbox, base: str = "/mail") -> Starlette:
    """The mailbox's pages and JSON, to be mounted at ``base``."""

    def lookup(request: Request) -> ReceivedMessage | None:
        try:
            return mailbox.get(int(request.path_params["no"]))
        except ValueError:
            return None

    async def index(request: Request) -> Response:
        return HTMLResponse(_list_page(base, mailbox.messages()))

    async def message(request: Request) -> Response:
        found = lookup(request)
        if found is None:
            return HTMLResponse(page("Not found", "<p>No such message.</p>"), 404)
        return HTMLResponse(_message_page(base, found))

    async def api_messages(request: Request) -> Response:
        return _listing(mailbox, request)

    async def api_message(request: Request) -> Response:
        found = lookup(request)
        if found is None:
            return JSONResponse({"error": "no such message"}, 404)
        return JSONResponse(found.as_dict(with_body=True))

    async def api_raw(request: Request) -> Response:
        found = lookup(request)
        if found is None:
            return JSONResponse({"error": "no such message"}, 404)
        return Response(found.raw, media_type="message/rfc822")

    return Starlette(
        routes=[
            Route("/", index),
            Route("/message/{no}", message),
            Route("/api/messages", api_messages),
            Route("/api/messages/{no}", api_message),
            Route("/api/messages/{no}/raw", api_raw),
        ]
    )


def admin_routes(mailbox: Mailbox) -> list[BaseRoute]:
    """``GET /_admin/mail/messages``, ``POST /_admin/mail/reset``, ``GET/POST /_admin/mail/rules``
    (body: ``{"reject": [...], "defer": [...], "reject_marker": "reject"}``, each key optional)."""

    async def messages(request: Request) -> Response:
        return _listing(mailbox, request)

    async def reset(request: Request) -> Response:
        mailbox.clear()
        return JSONResponse({"status": "reset", "messages": 0})

    async def get_rules(request: Request) -> Response:
        return JSONResponse(mailbox.rules())

    async def set_rules(request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
            if not isinstance(body, dict) or set(body) - {"reject", "defer", "reject_marker"}:
                raise ValueError("expected an object with reject, defer and/or reject_marker")
            lists = {k: body[k] for k in ("reject", "defer") if k in body}
            if not all(isinstance(v, list) and all(isinstance(a, str) for a in v) for v in lists.values()):
                raise ValueError("reject and defer must be lists of addresses")
            marker = body.get("reject_marker")
            if marker is not None and not isinstance(marker, str):
                raise ValueError("reject_marker must be a string ('' refuses nothing by marker)")
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        mailbox.configure(reject=lists.get("reject"), defer=lists.get("defer"), reject_marker=marker)
        return JSONResponse(mailbox.rules())

    return [
        Route("/_admin/mail/messages", messages),
        Route("/_admin/mail/reset", reset, methods=["POST"]),
        Route("/_admin/mail/rules", get_rules, methods=["GET"]),
        Route("/_admin/mail/rules", set_rules, methods=["POST"]),
    ]
