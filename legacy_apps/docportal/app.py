"""The document portal web application: login, paginated dossier list with search, dossier page with
attachments to download, a status form with server-side validation, and a JSON status feed.

Latency, HTTP 500 and maintenance faults belong to the server the portal is mounted in; this app reads
only ``changed_layout`` and the session-expiry fields of ``faults_state``, on every request.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from . import accounts
from .generator import REFERENCE_DAY, generate_dossiers
from .layout import layout_for
from .model import KIND_LABELS, REASONS, Dossier
from .pdf_render import french_date
from .state import COMMENT_MAX, STATUS_LABELS, PortalState, validate_status

PAGE_SIZE = 20
COOKIE = "DOCPORTAL_SESSION"
PARIS = ZoneInfo("Europe/Paris")
_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)


def _fold(text: str) -> str:
    """Lower case without accents, so "electricite" finds "Électricité"."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def _size(data: bytes) -> str:
    return f"{max(1, round(len(data) / 1024))} Ko"


def create_docportal(
    seed: int = 42,
    *,
    faults_state: object | None = None,
    dossiers: int = 30,
    clock: Callable[[], datetime] | None = None,
    reference_day: date = REFERENCE_DAY,
) -> Starlette:
    """The portal over ``dossiers`` generated dossiers of ``seed``. ``clock`` (aware UTC) stamps status
    changes and ages sessions; it defaults to the system clock."""
    generated = generate_dossiers(seed, dossiers, reference_day)
    state = PortalState({d.id: d for d in generated}, clock or (lambda: datetime.now(UTC)))

    def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("user", None)
        html = _TEMPLATES.get_template(template).render(
            base=request.scope.get("root_path", ""), ui=layout_for(faults_state), **context
        )
        return HTMLResponse(html, status_code=status_code)

    def login_redirect(request: Request, *, expired: bool) -> RedirectResponse:
        base = request.scope.get("root_path", "")
        target = f"{base}/login?next={request.url.path.removeprefix(base)}" + (
            "&expired=1" if expired else ""
        )
        response = RedirectResponse(target, status_code=303)
        if expired:
            response.delete_cookie(COOKIE, path=base or "/")
        return response

    def authenticated(request: Request) -> tuple[str | None, RedirectResponse | None]:
        user, expired = state.touch_session(request.cookies.get(COOKIE, ""), faults_state)
        if user is None:
            return None, login_redirect(request, expired=expired)
        return user, None

    def find(dossier_id: str) -> Dossier | None:
        return state.dossiers.get(dossier_id)

    def not_found(request: Request, user: str, what: str) -> HTMLResponse:
        return render(request, "message.html", 404, user=user, title="Introuvable", message=what)

    async def home(request: Request) -> Response:
        return RedirectResponse(f"{request.scope.get('root_path', '')}/dossiers", status_code=303)

    async def login_page(request: Request) -> Response:
        expired = request.query_params.get("expired") == "1"
        message = "Votre session a expiré. Veuillez vous reconnecter." if expired else None
        next_path = request.query_params.get("next", "/dossiers")
        return render(
            request, "login.html", title="Identification", message=message, next=next_path, username=""
        )

    async def login_submit(request: Request) -> Response:
        form = await request.form()
        username, password = str(form.get("username", "")), str(form.get("password", ""))
        next_path = str(form.get("next", "/dossiers"))
        if not next_path.startswith("/") or next_path.startswith("//"):
            next_path = "/dossiers"  # only paths inside the portal: no open redirect
        if not accounts.check_credentials(username, password):
            error = "Identifiant ou mot de passe incorrect."
            return render(
                request,
                "login.html",
                401,
                title="Identification",
                error=error,
                next=next_path,
                username=username,
                message=None,
            )
        base = request.scope.get("root_path", "")
        response = RedirectResponse(f"{base}{next_path}", status_code=303)
        response.set_cookie(
            COOKIE, state.open_session(username), httponly=True, samesite="lax", path=base or "/"
        )
        return response

    async def logout(request: Request) -> Response:
        state.close_session(request.cookies.get(COOKIE, ""))
        base = request.scope.get("root_path", "")
        response = RedirectResponse(f"{base}/login", status_code=303)
        response.delete_cookie(COOKIE, path=base or "/")
        return response

    async def dossier_list(request: Request) -> Response:
        user, redirect = authenticated(request)
        if redirect:
            return redirect
        query = request.query_params.get("q", "").strip()
        needle = _fold(query)
        matches = [
            d
            for d in generated
            if not needle
            or needle in _fold(d.id)
            or needle in _fold(d.client.name)
            or needle in d.client.siren
        ]
        pages = max(1, math.ceil(len(matches) / PAGE_SIZE))
        try:
            page = min(max(1, int(request.query_params.get("page", "1"))), pages)
        except ValueError:
            page = 1
        rows = [
            {
                "id": d.id,
                "client": d.client.name,
                "siren": d.client.siren,
                "submitted": french_date(d.submitted_on),
                "pieces": len(d.attachments),
                "status": STATUS_LABELS[state.current(d.id).status],
            }
            for d in matches[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        ]
        return render(
            request,
            "dossiers.html",
            title="Dossiers",
            user=user,
            rows=rows,
            query=query,
            total=len(matches),
            page=page,
            pages=pages,
        )

    def dossier_page(
        request: Request,
        user: str,
        dossier: Dossier,
        *,
        status_code: int = 200,
        errors: list[str] | None = None,
        form: dict[str, str] | None = None,
    ) -> HTMLResponse:
        attachments = [
            {
                "filename": a.filename,
                "kind": a.kind,
                "label": a.label,
                "size": _size(a.data),
                "format": "Excel" if a.filename.endswith(".xlsx") else "PDF",
                "uploaded": french_date(a.uploaded_on),
            }
            for a in dossier.attachments
        ]
        history = [
            {
                "at": e.at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S"),
                "user": e.user,
                "status": e.status,
                "reason": e.reason,
                "comment": e.comment,
            }
            for e in state.entries(dossier.id)
        ]
        return render(
            request,
            "dossier.html",
            status_code,
            title=f"Dossier {dossier.id}",
            user=user,
            dossier=dossier,
            client=dossier.client,
            submitted=french_date(dossier.submitted_on),
            current=state.current(dossier.id),
            attachments=attachments,
            history=history,
            expected_kinds=list(KIND_LABELS.values()),
            reasons=REASONS,
            status_labels=STATUS_LABELS,
            errors=errors or [],
            form=form or {},
            comment_max=COMMENT_MAX,
            saved=request.query_params.get("saved") == "1",
        )

    async def dossier_detail(request: Request) -> Response:
        user, redirect = authenticated(request)
        if redirect or user is None:
            return redirect or Response(status_code=500)
        dossier = find(request.path_params["dossier_id"])
        if dossier is None:
            return not_found(request, user, f"Aucun dossier {request.path_params['dossier_id']}.")
        return dossier_page(request, user, dossier)

    async def status_submit(request: Request) -> Response:
        user, redirect = authenticated(request)
        if redirect or user is None:
            return redirect or Response(status_code=500)
        dossier = find(request.path_params["dossier_id"])
        if dossier is None:
            return not_found(request, user, f"Aucun dossier {request.path_params['dossier_id']}.")
        raw = await request.form()
        form = {key: str(raw.get(key, "")) for key in ("status", "reason", "comment")}
        errors = validate_status(form["status"], form["reason"], form["comment"])
        if errors:
            return dossier_page(request, user, dossier, status_code=422, errors=errors, form=form)
        state.set_status(dossier.id, user, form["status"], form["reason"], form["comment"])
        base = request.scope.get("root_path", "")
        return RedirectResponse(f"{base}/dossiers/{dossier.id}?saved=1", status_code=303)

    async def download(request: Request) -> Response:
        user, redirect = authenticated(request)
        if redirect or user is None:
            return redirect or Response(status_code=500)
        dossier = find(request.path_params["dossier_id"])
        attachment = dossier.attachment(request.path_params["filename"]) if dossier else None
        if attachment is None:
            return not_found(
                request, user, f"Aucune pièce {request.path_params['filename']} dans ce dossier."
            )
        disposition = f'attachment; filename="{attachment.filename}"'
        return Response(
            attachment.data, media_type=attachment.content_type, headers={"Content-Disposition": disposition}
        )

    async def api_dossiers(request: Request) -> Response:
        items = []
        for dossier in generated:
            entries = state.entries(dossier.id)
            last = entries[-1]
            items.append(
                {
                    "id": dossier.id,
                    "client": dossier.client.name,
                    "status": last.status,
                    "reason": last.reason,
                    "comment": last.comment,
                    "updated_at": last.at.isoformat(),
                    "updated_by": last.user,
                    "status_changes": len(entries) - 1,
                }
            )
        return JSONResponse({"dossiers": items})

    routes = [
        Route("/", home),
        Route("/login", login_page, methods=["GET"], name="login"),
        Route("/login", login_submit, methods=["POST"]),
        Route("/logout", logout, methods=["GET", "POST"], name="logout"),
        Route("/dossiers", dossier_list, name="dossiers"),
        Route("/dossiers/{dossier_id}", dossier_detail, name="dossier"),
        Route("/dossiers/{dossier_id}/status", status_submit, methods=["POST"], name="dossier_status"),
        Route("/dossiers/{dossier_id}/attachments/{filename}", download, name="attachment"),
        Route("/api/dossiers", api_dossiers, name="api_dossiers"),
    ]
    return Starlette(routes=routes)
