"""Routes of the bank portal: password, TOTP second factor (RFC 6238, ±1 step), account, statements."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime

import pyotp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from legacy_apps import accounts
from legacy_apps.bank import views
from legacy_apps.faults import FaultState
from legacy_apps.statements import FORMATS, statement_view
from legacy_apps.web.html import money
from legacy_apps.web.layout import Ui
from legacy_apps.web.sessions import Session, SessionStore
from legacy_apps.world.model import World

Handler = Callable[[Request, Session], Awaitable[Response]]


def parse_day(text: str) -> date:
    """dd/mm/yyyy as typed in the form, or yyyy-mm-dd for scripted downloads."""
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date (dd/mm/yyyy).")


def create_bank(world: World, faults: FaultState, base: str = "/bank") -> Starlette:
    """The bank portal, to be mounted at ``base``."""
    sessions = SessionStore("BANKSESSION", base, faults)
    totp = pyotp.TOTP(accounts.BANK_TOTP_SECRET)  # 30-second steps, 6 digits, SHA-1: RFC 6238 defaults

    def ui() -> Ui:
        return Ui(faults.changed_layout)

    def guarded(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            session, expired = sessions.authenticated(request)
            if session is None:
                return RedirectResponse(f"{base}/login{'?expired=1' if expired else ''}", status_code=303)
            return await handler(request, session)

        return endpoint

    async def csrf_ok(request: Request) -> tuple[Session | None, dict[str, str]]:
        session = sessions.peek(request)
        form = {k: str(v) for k, v in (await request.form()).items()}
        if session is None or form.get("csrf_token") != session.csrf:
            return None, form
        return session, form

    def forbidden() -> Response:
        return HTMLResponse(
            views.problem(base, "Forbidden", "Security token invalid. Start again."), status_code=403
        )

    async def login_page(request: Request) -> Response:
        session, new = sessions.anonymous(request)
        response = HTMLResponse(views.login(base, ui(), session.csrf))
        return sessions.set_cookie(response, session) if new else response

    async def login_submit(request: Request) -> Response:
        session, form = await csrf_ok(request)
        if session is None:
            return forbidden()
        if form.get("user_id") != accounts.BANK_USER or form.get("password") != accounts.BANK_PASSWORD:
            session.data.pop("pending_user", None)
            return HTMLResponse(views.login(base, ui(), session.csrf, "Identifiers not recognised."))
        session.data["pending_user"] = form["user_id"]
        return RedirectResponse(f"{base}/otp", status_code=303)

    async def otp_page(request: Request) -> Response:
        session = sessions.peek(request)
        if session is None or "pending_user" not in session.data:
            return RedirectResponse(f"{base}/login", status_code=303)
        return HTMLResponse(views.otp(base, ui(), session.csrf))

    async def otp_submit(request: Request) -> Response:
        session, form = await csrf_ok(request)
        if session is None:
            return forbidden()
        user = session.data.get("pending_user")
        if user is None:
            return RedirectResponse(f"{base}/login", status_code=303)
        # valid_window=1 accepts the previous and next 30-second step: clocks drift, people type slowly.
        if not totp.verify(form.get("code", "").strip(), valid_window=1):
            return HTMLResponse(views.otp(base, ui(), session.csrf, "Invalid security code."))
        fresh = sessions.login(session, str(user))
        return sessions.set_cookie(RedirectResponse(f"{base}/account", status_code=303), fresh)

    async def logout(request: Request) -> Response:
        session = sessions.peek(request)
        if session is not None:
            sessions.logout(session)
        return RedirectResponse(f"{base}/login", status_code=303)

    async def account(request: Request, session: Session) -> Response:
        balance = money(world.balance_before(world.today))
        return HTMLResponse(views.account(base, world.account, balance, world.lines[-20:][::-1]))

    async def statements(request: Request, session: Session) -> Response:
        return HTMLResponse(views.statements(base, ui(), world.period_start, world.period_end))

    async def download(request: Request, session: Session) -> Response:
        params = request.query_params
        fmt = params.get("format", "camt053").lower()
        try:
            start = parse_day(params.get("from", "")) if params.get("from") else world.period_start
            end = parse_day(params.get("to", "")) if params.get("to") else world.period_end
            if fmt not in FORMATS:
                raise ValueError(f"Unknown format '{fmt}'; choose one of {', '.join(FORMATS)}.")
            if end < start:
                raise ValueError("The end date is before the start date.")
        except ValueError as exc:
            page = views.statements(base, ui(), world.period_start, world.period_end, str(exc))
            return HTMLResponse(page, status_code=400)
        writer, file_name, media = FORMATS[fmt]
        stem, _, suffix = file_name.rpartition(".")
        name = f"{stem}_{start:%Y%m%d}_{end:%Y%m%d}.{suffix}"
        body = writer(statement_view(world, start, end))
        return Response(
            body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )

    routes = [
        Route("/", lambda request: RedirectResponse(f"{base}/login", status_code=303)),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login_submit, methods=["POST"]),
        Route("/otp", otp_page, methods=["GET"]),
        Route("/otp", otp_submit, methods=["POST"]),
        Route("/logout", logout),
        Route("/account", guarded(account)),
        Route("/statements", guarded(statements)),
        Route("/statements/download", guarded(download)),
    ]
    app = Starlette(routes=routes)
    app.state.sessions = sessions
    return app
