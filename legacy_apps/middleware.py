"""One ASGI middleware applies latency, HTTP 500s and maintenance to every mounted application.

``/_admin`` is exempt so tests and scoring can always reach the server. Draws come from a seeded
generator (two per request, whatever the outcome) so the same seed gives the same fault sequence.
"""

from __future__ import annotations

import asyncio
import random

from starlette.types import ASGIApp, Receive, Scope, Send

from legacy_apps.faults import FaultState

MAINTENANCE_PAGE = (
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN"><html><head><title>Maintenance</title></head>'
    '<body bgcolor="#ffffff"><h2 id="maintenance">Service temporarily unavailable</h2>'
    "<p>The application is undergoing scheduled maintenance. Please try again later.</p></body></html>"
)
ERROR_PAGE = (
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN"><html><head>'
    "<title>500 Internal Server Error</title></head>"
    '<body><h2 id="server-error">Internal Server Error</h2><p>The server encountered an internal error and '
    "was unable to complete your request.</p><p><small>Error reference: {ref}</small></p></body></html>"
)


class FaultMiddleware:
    def __init__(self, app: ASGIApp, faults: FaultState, seed: int = 0) -> None:
        self.app = app
        self.faults = faults
        self.rng = random.Random(f"faults-{seed}")
        self.requests = 0

    async def _reply(self, send: Send, status: int, body: str, extra: list[tuple[bytes, bytes]]) -> None:
        payload = body.encode("utf-8")
        headers = [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"content-length", str(len(payload)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers + extra})
        await send({"type": "http.response.body", "body": payload})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_admin"):
            await self.app(scope, receive, send)
            return
        faults = self.faults
        self.requests += 1
        spike_draw, error_draw = self.rng.random(), self.rng.random()
        delay_ms = faults.latency_ms + (faults.spike_ms if spike_draw < faults.spike_share else 0)
        if delay_ms > 0:
            # asyncio.sleep, not time.sleep: concurrent requests wait side by side, not in a queue.
            await asyncio.sleep(delay_ms / 1000)
        if faults.maintenance:
            await self._reply(send, 503, MAINTENANCE_PAGE, [(b"retry-after", b"600")])
            return
        if error_draw < faults.error_rate:
            await self._reply(send, 500, ERROR_PAGE.format(ref=f"ERR-{self.requests:06d}"), [])
            return
        await self.app(scope, receive, send)
