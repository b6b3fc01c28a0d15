"""JSON endpoints for tests and scoring: health, faults, what the ERP holds, the seed's ground truth."""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from legacy_apps.erp.state import ErpState
from legacy_apps.faults import FaultState
from legacy_apps.truth import truth_document
from legacy_apps.web.sessions import SessionStore


def create_admin(
    erp: ErpState, faults: FaultState, session_stores: list[SessionStore], docs: bool
) -> Starlette:
    world = erp.world

    async def health(request: Request) -> Response:
        return JSONResponse(
            {"status": "ok", "seed": world.seed, "lines": len(world.lines), "faults": faults.as_dict(),
             "apps": {"erp": True, "bank": True, "docs": docs}}
        )  # fmt: skip

    async def get_faults(request: Request) -> Response:
        return JSONResponse(faults.as_dict())

    async def set_faults(request: Request) -> Response:
        """Body: a profile name as a string, or an object of FaultState fields (``profile`` resets first);
        ``"expire_sessions": true`` ends every open session."""
        try:
            body = json.loads(await request.body() or b"{}")
            if isinstance(body, str):
                body = {"profile": body}
            if not isinstance(body, dict):
                raise ValueError("expected a JSON object or a profile name")
            expire = bool(body.pop("expire_sessions", False))
            faults.update(body)
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        if expire:
            faults.expire_sessions_now()
            for store in session_stores:
                store.clear()
        return JSONResponse(faults.as_dict())

    async def payments(request: Request) -> Response:
        rows = [p.as_dict() for p in erp.payments]
        return JSONResponse({"count": len(rows), "payments": rows})

    async def invoices(request: Request) -> Response:
        rows = [r.as_dict() for r in erp.invoices.values()]
        return JSONResponse({"count": len(rows), "invoices": rows})

    async def reset(request: Request) -> Response:
        erp.reset()
        return JSONResponse({"status": "reset", "payments": 0})

    async def truth(request: Request) -> Response:
        return JSONResponse(truth_document(world))

    return Starlette(
        routes=[
            Route("/health", health),
            Route("/faults", get_faults, methods=["GET"]),
            Route("/faults", set_faults, methods=["POST"]),
            Route("/erp/payments", payments),
            Route("/erp/invoices", invoices),
            Route("/erp/reset", reset, methods=["POST"]),
            Route("/truth", truth),
        ]
    )
