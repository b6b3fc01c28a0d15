"""JSON of the ERP's collection data: what a reminder bot checks before sending, and what scoring reads.

``/erp/api/...`` needs a signed-in session (401 otherwise), like the screens; the ``/_admin/...`` twins are
for tests and scoring and need none.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from legacy_apps.erp.reminder_truth import reminders_truth
from legacy_apps.erp.state import ErpState, InvoiceRecord
from legacy_apps.web.sessions import SessionStore
from legacy_apps.world.reminder_model import Contact, Credit

ZERO = Decimal("0.00")


def _credit(c: Credit) -> dict[str, Any]:
    return {
        "number": c.number, "kind": c.kind, "customer_id": c.customer_id, "amount": f"{c.amount:.2f}",
        "issued_on": c.issued_on.isoformat(), "invoice": c.invoice, "label": c.label,
    }  # fmt: skip


def contact_view(contact: Contact) -> dict[str, Any]:
    return {
        "customer_id": contact.customer_id, "email": contact.email, "contact_name": contact.contact_name,
        "language": contact.language, "time_zone": contact.time_zone, "do_not_remind": contact.do_not_remind,
        "do_not_remind_reason": contact.do_not_remind_reason,
    }  # fmt: skip


def customer_view(state: ErpState, customer_id: str) -> dict[str, Any]:
    credits = state.credits_of(customer_id)
    unallocated = sum((c.amount for c in credits if not c.invoice), start=ZERO)
    return {
        "customer_id": customer_id,
        "name": state.customers[customer_id].name,
        "contact": contact_view(state.contacts[customer_id]),
        "credits": [_credit(c) for c in credits],
        "unallocated_credit": f"{unallocated:.2f}",
    }


def invoice_view(state: ErpState, record: InvoiceRecord) -> dict[str, Any]:
    """One invoice as it stands now: open amount, status, dispute, promise, credits, reminders."""
    inv, status = record.invoice, state.status_of(record.invoice.number)
    against = [c for c in state.credits if c.invoice == inv.number]
    return {
        "number": inv.number, "customer_id": inv.customer_id, "customer_name": record.customer.name,
        "issue_date": inv.issue_date.isoformat(), "due_date": inv.due_date.isoformat(),
        "days_overdue": (state.world.today - inv.due_date).days, "amount": f"{inv.amount:.2f}",
        "open_amount": f"{record.open_amount:.2f}", "currency": inv.currency, "status": record.status,
        "disputed": status.disputed, "dispute_reason": status.dispute_reason,
        "promised_until": status.promised_until.isoformat() if status.promised_until else None,
        "credit_notes": [_credit(c) for c in against],
        "customer": customer_view(state, inv.customer_id),
        "reminders": [r.as_dict() for r in state.reminders_for(inv.number)],
    }  # fmt: skip


def overdue_view(state: ErpState, horizon_days: int) -> dict[str, Any]:
    """Open invoices due on or before the accounting date plus ``horizon_days``, oldest due first."""
    limit = state.world.today + timedelta(days=horizon_days)
    records = sorted(
        (r for r in state.invoices.values() if r.open_amount > 0 and r.invoice.due_date <= limit),
        key=lambda r: (r.invoice.due_date, r.invoice.number),
    )
    rows = [invoice_view(state, r) for r in records]
    return {
        "today": state.world.today.isoformat(),
        "due_by": limit.isoformat(),
        "count": len(rows),
        "invoices": rows,
    }


def _horizon(request: Request) -> int:
    try:
        return max(-3650, min(3650, int(request.query_params.get("horizon_days", "3"))))
    except ValueError:
        return 3


def _handlers(state: ErpState) -> dict[str, Callable[[Request], Awaitable[Response]]]:
    async def overdue(request: Request) -> Response:
        return JSONResponse(overdue_view(state, _horizon(request)))

    async def invoice(request: Request) -> Response:
        record = state.invoices.get(request.path_params["number"])
        if record is None:
            return JSONResponse({"error": f"invoice {request.path_params['number']} does not exist"}, 404)
        return JSONResponse(invoice_view(state, record))

    async def invoice_reminders(request: Request) -> Response:
        number = request.path_params["number"]
        if number not in state.invoices:
            return JSONResponse({"error": f"invoice {number} does not exist"}, 404)
        found = state.reminders_for(number, request.query_params.get("message_id", ""))
        return JSONResponse(
            {"invoice": number, "count": len(found), "reminders": [r.as_dict() for r in found]}
        )

    async def customer(request: Request) -> Response:
        customer_id = request.path_params["customer_id"]
        if customer_id not in state.customers:
            return JSONResponse({"error": f"customer {customer_id} does not exist"}, 404)
        return JSONResponse(customer_view(state, customer_id))

    async def reminders(request: Request) -> Response:
        wanted = request.query_params.get("message_id", "").strip()
        rows = [r.as_dict() for r in state.reminders if not wanted or r.message_id == wanted]
        return JSONResponse({"count": len(rows), "reminders": rows})

    return {
        "/overdue": overdue, "/invoice/{number}": invoice, "/invoice/{number}/reminders": invoice_reminders,
        "/customer/{customer_id}": customer, "/reminders": reminders,
    }  # fmt: skip


def api_routes(state: ErpState, sessions: SessionStore) -> list[BaseRoute]:
    """Routes under ``/api`` of the ERP, for signed-in sessions only."""

    def signed_in(
        handler: Callable[[Request], Awaitable[Response]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            session, expired = sessions.authenticated(request)
            if session is None:
                why = "session expired" if expired else "not signed in"
                return JSONResponse({"error": f"{why}: sign in at {sessions.path}/login"}, status_code=401)
            return await handler(request)

        return endpoint

    return [Route(f"/api{path}", signed_in(handler)) for path, handler in _handlers(state).items()]


def admin_routes(state: ErpState) -> list[BaseRoute]:
    """``/_admin/erp/...`` twins of the API, and ``/_admin/reminders/truth?as_of=yyyy-mm-dd``."""
    handlers = _handlers(state)
    world = state.world

    async def truth(request: Request) -> Response:
        try:
            raw = request.query_params.get("as_of", "")
            as_of = date.fromisoformat(raw) if raw else None
        except ValueError:
            return JSONResponse({"error": "as_of must be a date as yyyy-mm-dd"}, status_code=400)
        document = reminders_truth(world.seed, as_of, lines=len(world.lines), today=world.today)
        return JSONResponse(document)

    routes: list[BaseRoute] = [
        Route("/_admin/erp/overdue", handlers["/overdue"]),
        Route("/_admin/erp/reminders", handlers["/reminders"]),
        Route("/_admin/erp/invoice/{number}/reminders", handlers["/invoice/{number}/reminders"]),
        Route("/_admin/reminders/truth", truth),
    ]
    return routes
