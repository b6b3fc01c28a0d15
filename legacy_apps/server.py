"""The one web server of the simulated applications: /erp, /bank, /docs, /mail and /_admin on a single app,
and the mailbox's SMTP listener beside it."""

from __future__ import annotations

import importlib.util
from datetime import date
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route

from legacy_apps.admin import create_admin
from legacy_apps.bank import create_bank
from legacy_apps.erp import ErpState, create_erp
from legacy_apps.erp.reminders_api import admin_routes as erp_admin_routes
from legacy_apps.faults import FaultState
from legacy_apps.mailbox import Mailbox, start_smtp
from legacy_apps.mailbox.web import admin_routes as mail_admin_routes
from legacy_apps.mailbox.web import create_mail_web
from legacy_apps.middleware import FaultMiddleware
from legacy_apps.web.html import page
from legacy_apps.world import DEFAULT_LINES, build_world
from legacy_apps.world.generate import DEFAULT_TODAY

DEFAULT_SMTP_PORT = 8725


def _docportal(seed: int, faults: FaultState, today: date) -> tuple[Any, bool]:
    """The document portal when its package is installed, else a page saying it is not."""
    factory = None
    if importlib.util.find_spec("legacy_apps.docportal") is not None:
        from legacy_apps import docportal

        factory = getattr(docportal, "create_docportal", None)
    if factory is None:

        async def unavailable(request: Request) -> Response:
            return HTMLResponse(page("Document portal", "<p>The document portal is not available.</p>"), 404)

        return Starlette(routes=[Route("/{path:path}", unavailable)]), False
    return factory(seed, faults_state=faults, reference_day=today), True


def create_app(
    seed: int = 42,
    faults: str | dict[str, Any] | FaultState = "none",
    lines: int = DEFAULT_LINES,
    today: date = DEFAULT_TODAY,
) -> Starlette:
    """All simulated applications over the world of ``seed`` with ``lines`` bank lines, as on ``today``
    (the day the statements end, the invoices fall due and the dossiers are reviewed)."""
    world = build_world(seed, lines, today)
    fault_state = FaultState.parse(faults)
    erp_state = ErpState(world)
    erp = create_erp(erp_state, fault_state, "/erp")
    bank = create_bank(world, fault_state, "/bank")
    docs, has_docs = _docportal(seed, fault_state, today)
    admin = create_admin(erp_state, fault_state, [erp.state.sessions, bank.state.sessions], has_docs)
    mailbox = Mailbox()

    async def index(request: Request) -> Response:
        apps = (
            ("erp", "ERP (GESTCOM)"),
            ("bank", "Bank portal"),
            ("docs", "Document portal"),
            ("mail", "Mailbox"),
        )
        links = "".join(f'<li><a href="/{path}/">{name}</a></li>' for path, name in apps)
        return HTMLResponse(page("Applications", f"<h3>Applications</h3><ul>{links}</ul>"))

    app = Starlette(
        routes=[
            Route("/", index),
            Mount("/erp", app=erp),
            Mount("/bank", app=bank),
            Mount("/docs", app=docs),
            Mount("/mail", app=create_mail_web(mailbox, "/mail")),
            # Before the /_admin mount, which would otherwise take these paths.
            *erp_admin_routes(erp_state),
            *mail_admin_routes(mailbox),
            Mount("/_admin", app=admin),
        ],
        middleware=[Middleware(FaultMiddleware, faults=fault_state, seed=seed)],
    )
    app.state.world = world
    app.state.faults = fault_state
    app.state.erp = erp_state
    app.state.mailbox = mailbox
    return app


def serve(
    host: str = "127.0.0.1", port: int = 8700, seed: int = 42, faults: str | dict[str, Any] = "none",
    lines: int = DEFAULT_LINES, smtp_port: int = DEFAULT_SMTP_PORT, today: date = DEFAULT_TODAY,
) -> None:  # fmt: skip
    """Serve the applications, and receive mail on ``smtp_port``, in the foreground until interrupted."""
    app = create_app(seed=seed, faults=faults, lines=lines, today=today)
    listener = start_smtp(app.state.mailbox, host, smtp_port)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        listener.stop()
