"""Routes of the ERP: sign-in with CSRF, frames, invoice search, payments, notes, reminders, exports."""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from legacy_apps import accounts
from legacy_apps.erp import exports, reminder_views, views
from legacy_apps.erp.reminders import validate_reminder_form
from legacy_apps.erp.reminders_api import api_routes
from legacy_apps.erp.state import ErpState
from legacy_apps.faults import FaultState
from legacy_apps.web.html import money
from legacy_apps.web.layout import Ui
from legacy_apps.web.sessions import Session, SessionStore

Handler = Callable[[Request, Session], Awaitable[Response]]
AMOUNT = re.compile(r"^\d+(\.\d{1,2})?$")
DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
REFERENCE = re.compile(r"^[A-Za-z0-9 ./\-]{1,35}$")


def parse_amount(text: str) -> Decimal:
    """'1 234,56', '1.234,56', '1234.56' -> Decimal; raises ValueError with a message for the screen."""
    compact = text.replace(" ", "").replace("\u00a0", "").strip()
    if not compact:
        raise ValueError("Amount is required.")
    if "," in compact:
        compact = compact.replace(".", "").replace(",", ".")
    if not AMOUNT.match(compact):
        raise ValueError(f"'{text}' is not a valid amount (example: 1234,56).")
    try:
        amount = Decimal(compact)
    except InvalidOperation as exc:
        raise ValueError(f"'{text}' is not a valid amount (example: 1234,56).") from exc
    if amount <= 0:
        raise ValueError("Amount must be greater than zero.")
    return amount


def parse_day(text: str, today: date) -> date:
    match = DATE.match(text.strip())
    if not match:
        raise ValueError("Payment date is required in the form dd/mm/yyyy.")
    try:
        value = datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError as exc:
        raise ValueError(f"'{text}' is not a calendar date.") from exc
    if value > today:
        raise ValueError(f"Payment date cannot be after the accounting date ({today:%d/%m/%Y}).")
    return value


def html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status)


def create_erp(state: ErpState, faults: FaultState, base: str = "/erp") -> Starlette:
    """The ERP application, to be mounted at ``base``."""
    sessions = SessionStore("ERPSESSID", base, faults)
    company = state.world.account.holder

    def ui() -> Ui:
        return Ui(faults.changed_layout)

    def guarded(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            session, expired = sessions.authenticated(request)
            if session is None:
                return RedirectResponse(f"{base}/login{'?expired=1' if expired else ''}", status_code=303)
            if request.method == "POST":
                form = await request.form()
                if form.get("csrf_token") != session.csrf:
                    return html(
                        views.simple("Forbidden", "Security token missing or invalid. Reload the page."), 403
                    )
            return await handler(request, session)

        return endpoint

    async def login_page(request: Request) -> Response:
        session, new = sessions.anonymous(request)
        info = (
            "Your session has expired. Please sign in again." if request.query_params.get("expired") else ""
        )
        response = html(views.login(base, ui(), session.csrf, info=info))
        return sessions.set_cookie(response, session) if new else response

    async def login_submit(request: Request) -> Response:
        session = sessions.peek(request)
        form = await request.form()
        if session is None or form.get("csrf_token") != session.csrf:
            return html(
                views.simple("Forbidden", "Security token missing or invalid. Reload the sign-in page."), 403
            )
        user, password = str(form.get("username", "")), str(form.get("password", ""))
        if user != accounts.ERP_USER or password != accounts.ERP_PASSWORD:
            return html(
                views.login(base, ui(), session.csrf, error="Invalid user name or password.", user=user)
            )
        fresh = sessions.login(session, user)
        return sessions.set_cookie(RedirectResponse(f"{base}/", status_code=303), fresh)

    async def logout(request: Request) -> Response:
        session = sessions.peek(request)
        if session is not None:
            sessions.logout(session)
        return RedirectResponse(f"{base}/login", status_code=303)

    async def root(request: Request, session: Session) -> Response:
        return html(views.frameset(base, company))

    async def menu(request: Request, session: Session) -> Response:
        return html(views.menu(base, session.user or ""))

    async def home(request: Request, session: Session) -> Response:
        open_records = [r for r in state.invoices.values() if r.open_amount > 0]
        total = sum((r.open_amount for r in open_records), start=Decimal("0.00"))
        return html(views.home(company, len(open_records), money(total), f"{state.world.today:%d/%m/%Y}"))

    def paginate(request: Request, count: int) -> tuple[int, int, slice]:
        pages = max(1, math.ceil(count / views.PAGE_SIZE))
        try:
            current = min(max(1, int(request.query_params.get("page", "1"))), pages)
        except ValueError:
            current = 1
        start = (current - 1) * views.PAGE_SIZE
        return current, pages, slice(start, start + views.PAGE_SIZE)

    async def invoices(request: Request, session: Session) -> Response:
        filters = {k: request.query_params.get(k, "") for k in ("number", "customer", "status")}
        found = state.search(**filters)
        current, pages, window = paginate(request, len(found))
        kept = {k: v for k, v in filters.items() if v}
        return html(views.invoice_list(base, ui(), found[window], kept, current, pages, len(found)))

    def collection_block(number: str, session: Session, **form: object) -> str:
        against = [c for c in state.credits if c.invoice == number]
        return (
            reminder_views.status_block(state.status_of(number), against)
            + f"<h4>Reminders</h4>{reminder_views.reminders_grid(state.reminders_for(number))}"
            + reminder_views.reminder_form(f"{base}/invoice/{number}/reminders", session.csrf, **form)  # type: ignore[arg-type]
        )

    def invoice_response(
        request: Request, session: Session, number: str, reminder_form: dict[str, object] | None = None,
        **extra: object,
    ) -> Response:  # fmt: skip
        record = state.invoices.get(number)
        if record is None:
            return html(views.simple("Not found", f"Invoice {number} does not exist."), 404)
        notes = state.notes_for(f"invoice:{number}")
        collection = collection_block(number, session, **(reminder_form or {}))
        return html(
            views.invoice_page(base, ui(), record, session.csrf, notes, collection=collection, **extra)  # type: ignore[arg-type]
        )

    async def invoice(request: Request, session: Session) -> Response:
        number = request.path_params["number"]
        recorded = request.query_params.get("recorded", "")
        info = f"Payment {recorded} recorded." if recorded else ""
        noted = request.query_params.get("reminded", "")
        form: dict[str, object] | None = {"info": f"Reminder {noted} recorded."} if noted else None
        return invoice_response(request, session, number, reminder_form=form, info=info)

    async def record_reminder(request: Request, session: Session) -> Response:
        number = request.path_params["number"]
        if number not in state.invoices:
            return html(views.simple("Not found", f"Invoice {number} does not exist."), 404)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in ("level", "sent_on", "message_id", "channel")}
        clean, errors = validate_reminder_form(values, state.world.today)
        if errors:
            response = invoice_response(
                request, session, number, reminder_form={"errors": errors, "values": values}
            )
            response.status_code = 422
            return response
        reminder = state.record_reminder(
            number,
            clean["level"],
            clean["sent_on"],
            clean["message_id"],
            clean["channel"],
            session.user or "",
        )
        return RedirectResponse(f"{base}/invoice/{number}?reminded={reminder.reminder_id}", status_code=303)

    async def record_payment(request: Request, session: Session) -> Response:
        number = request.path_params["number"]
        if number not in state.invoices:
            return html(views.simple("Not found", f"Invoice {number} does not exist."), 404)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in ("amount", "payment_date", "bank_reference")}
        errors: dict[str, str] = {}
        try:
            amount = parse_amount(values["amount"])
        except ValueError as exc:
            errors["amount"] = str(exc)
        try:
            day = parse_day(values["payment_date"], state.world.today)
        except ValueError as exc:
            errors["payment_date"] = str(exc)
        reference = values["bank_reference"].strip()
        if not REFERENCE.match(reference):
            errors["bank_reference"] = "Bank reference is required: 1 to 35 letters, digits, spaces or . / -"
        if errors:
            return invoice_response(request, session, number, errors=errors, values=values)
        payment = state.record_payment(number, amount, day, reference, session.user or "")
        return RedirectResponse(f"{base}/invoice/{number}?recorded={payment.payment_id}", status_code=303)

    async def add_note(request: Request, session: Session) -> Response:
        params = request.path_params
        target, back = (
            (f"invoice:{params['number']}", f"{base}/invoice/{params['number']}")
            if "number" in params
            else (f"customer:{params['customer_id']}", f"{base}/customer/{params['customer_id']}")
        )
        text = str((await request.form()).get("text", "")).strip()
        if text:
            state.add_note(target, text[:2000], session.user or "")
        return RedirectResponse(back, status_code=303)

    async def customer(request: Request, session: Session) -> Response:
        customer_id = request.path_params["customer_id"]
        found = state.customers.get(customer_id)
        if found is None:
            return html(views.simple("Not found", f"Customer {customer_id} does not exist."), 404)
        records = [r for r in state.invoices.values() if r.customer.customer_id == customer_id]
        notes = state.notes_for(f"customer:{customer_id}")
        collection = reminder_views.contact_block(state.contacts[customer_id]) + reminder_views.credits_block(
            base, state.credits_of(customer_id)
        )
        return html(views.customer_page(base, ui(), records, found, session.csrf, notes, collection))

    async def payments(request: Request, session: Session) -> Response:
        reference = request.query_params.get("bank_reference", "")
        found = state.payments_by_reference(reference)
        current, pages, window = paginate(request, len(found))
        return html(views.payments_page(base, ui(), found[window], reference, current, pages, len(found)))

    async def export(request: Request, session: Session) -> Response:
        return html(views.export_page(base))

    async def export_csv(request: Request, session: Session) -> Response:
        headers = {"Content-Disposition": f'attachment; filename="open_items_{state.world.today:%Y%m%d}.csv"'}
        return Response(exports.open_items_csv(state), media_type="text/csv; charset=utf-8", headers=headers)

    async def export_xlsx(request: Request, session: Session) -> Response:
        headers = {
            "Content-Disposition": f'attachment; filename="open_items_{state.world.today:%Y%m%d}.xlsx"'
        }
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(exports.open_items_xlsx(state), media_type=media, headers=headers)

    routes = [
        Route("/", guarded(root)),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login_submit, methods=["POST"]),
        Route("/logout", logout),
        Route("/menu", guarded(menu)),
        Route("/home", guarded(home)),
        Route("/invoices", guarded(invoices)),
        Route("/invoice/{number}", guarded(invoice)),
        Route("/invoice/{number}/payments", guarded(record_payment), methods=["POST"]),
        Route("/invoice/{number}/notes", guarded(add_note), methods=["POST"]),
        Route("/invoice/{number}/reminders", guarded(record_reminder), methods=["POST"]),
        Route("/customer/{customer_id}", guarded(customer)),
        Route("/customer/{customer_id}/notes", guarded(add_note), methods=["POST"]),
        Route("/payments", guarded(payments)),
        Route("/export", guarded(export)),
        Route("/export/open-items.csv", guarded(export_csv)),
        Route("/export/open-items.xlsx", guarded(export_xlsx)),
        *api_routes(state, sessions),
    ]
    app = Starlette(routes=routes)
    app.state.erp = state
    app.state.sessions = sessions
    return app
