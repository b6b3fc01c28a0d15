"""The web console: FastAPI, Jinja2 templates rendered on the server, HTMX for the live fragments.

``create_app`` is given everything from outside (settings, database, installed bots, how a run process
starts): the console opens nothing itself. Roles are enforced by one dependency (:func:`guard`) on
every route; every POST checks the session's CSRF token; every response carries the security headers.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from loguru import logger
from starlette.concurrency import run_in_threadpool

from console import audit_tools, charts
from console.security import (
    SECURITY_HEADERS,
    hash_password,
    needs_rehash,
    new_token,
    same,
    token_hash,
    verify_password,
)
from rpa.audit.evidence import EvidenceStore
from rpa.audit.walk import COLUMNS as EVENT_COLUMNS
from rpa.clock import utcnow
from rpa.documents.excel import neutralize
from rpa.errors import RpaError
from rpa.open_items import FILE_NAME as OPEN_ITEMS_FILE
from rpa.open_items import OpenItemRow, find_open_item, read_open_items, search_open_items
from rpa.resolutions import ResolutionError, approval_note, findings_note, manual_note, match_note
from rpa.runs import find_run, list_runs
from rpa.settings import Settings
from rpa.store import console as store
from rpa.store.console import UserRecord
from rpa.store.db import Database

HERE = Path(__file__).parent
SESSION_COOKIE, LOGIN_CSRF_COOKIE = "rpa_session", "rpa_login_csrf"
ALL = ("operator", "backoffice", "auditor", "admin")
OPERATE = ("operator", "admin")
DECIDE = ("backoffice", "admin")
EXPORT = ("auditor", "admin")
Clock = Callable[[], datetime]
CommandBuilder = Callable[[str, int, str], list[str]]
_SHA = re.compile(r"^[0-9a-f]{64}$")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
MATCHING_BOT = "invoice_matching"  # whose runs keep the ERP's open items for the invoice search


@dataclass
class Person:
    """The signed-in user of a request, and the session's CSRF token for its forms."""

    user: UserRecord
    csrf: str
    token_hash: str

    @property
    def login(self) -> str:
        return self.user.login

    @property
    def role(self) -> str:
        return self.user.role

    def can(self, *roles: str) -> bool:
        return self.role in roles


@dataclass
class VerifyState:
    running: bool = False
    ok: bool | None = None
    text: str = "not verified yet"
    finished_at: datetime | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Console:
    settings: Settings
    db: Database
    bot_ids: Collection[str]
    command: CommandBuilder | None
    clock: Clock
    verify: VerifyState = field(default_factory=VerifyState)

    def local(self, instant: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return instant.astimezone(self.settings.tz).strftime(fmt) if instant else ""


class LoginRequiredError(Exception):
    """No valid session: the browser is sent to the login page."""


def guard(*roles: str, post: bool = False) -> Callable[[Request], Awaitable[Person]]:
    """The one dependency every route uses: a live session, one of ``roles``, and on a POST the
    session's CSRF token (form field ``csrf`` or header ``X-CSRF-Token``)."""

    async def check(request: Request) -> Person:
        app: Console = request.app.state.console
        token = request.cookies.get(SESSION_COOKIE, "")
        found = store.session_user(app.db, token_hash(token), app.clock()) if token else None
        if found is None:
            if request.method == "GET":
                raise LoginRequiredError()
            raise HTTPException(401, "sign in first")
        person = Person(found[0], found[1], token_hash(token))
        if post:
            form = await request.form()
            sent = str(form.get("csrf") or request.headers.get("X-CSRF-Token") or "")
            if not same(sent, person.csrf):
                raise HTTPException(403, "the form's CSRF token is missing or wrong: reload the page")
        if person.role not in roles:
            raise HTTPException(403, f"the {person.role} role may not do this")
        request.state.person = person
        return person

    return check


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _secure(request: Request, app: Console) -> bool:
    return app.settings.console.secure_cookies or request.url.scheme == "https"


def _parse_day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise HTTPException(400, f"{value!r} is not a date (YYYY-MM-DD)") from exc


def _day_start(app: Console, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=app.settings.tz).astimezone(UTC)


def _int(value: str, name: str) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise HTTPException(400, f"{name} must be a whole number") from exc


def safe_next(value: str) -> str | None:
    """``value`` when it is a path of this console to go to after signing in, else None: a single
    leading ``/``, no scheme or host, no backslash, no control character or space (browsers drop tabs
    and newlines: a slash, a tab and ``/evil`` would become ``//evil``), not the sign-in page."""
    if not value or len(value) > 2000 or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path in ("/login", "/logout"):
        return None
    return value


def _amount(value: str, name: str) -> Decimal | None:
    if not value.strip():
        return None
    try:
        return Decimal(value.strip().replace(",", "."))
    except InvalidOperation as exc:
        raise HTTPException(400, f"{name}: {value!r} is not an amount") from exc


Viewer = Annotated[Person, Depends(guard(*ALL))]
Anyone = Annotated[Person, Depends(guard(*ALL, post=True))]
Operator = Annotated[Person, Depends(guard(*OPERATE, post=True))]
Decider = Annotated[Person, Depends(guard(*DECIDE, post=True))]
Exporter = Annotated[Person, Depends(guard(*EXPORT))]
ExporterPost = Annotated[Person, Depends(guard(*EXPORT, post=True))]


def create_app(
    settings: Settings,
    db: Database,
    *,
    bot_ids: Collection[str],
    command: CommandBuilder | None = None,
    clock: Clock = utcnow,
    verify_every_s: float = 600.0,
) -> FastAPI:
    """The console application for one installation."""
    console = Console(settings, db, bot_ids, command, clock)
    stop = threading.Event()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if verify_every_s > 0:
            threading.Thread(target=verify_loop, name="console-verify-loop", daemon=True).start()
        yield
        stop.set()

    app = FastAPI(
        title="backoffice-rpa console", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.console = console
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(local=console.local, bot_ids=sorted(bot_ids), tz=settings.timezone)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.state.stop = stop

    def render(request: Request, name: str, code: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("person", getattr(request.state, "person", None))
        return templates.TemplateResponse(request, name, context, status_code=code)

    @app.middleware("http")
    async def headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(LoginRequiredError)
    async def to_login(request: Request, exc: LoginRequiredError) -> Response:
        asked = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.headers.get("HX-Request") or asked == "/" or safe_next(asked) is None:
            return RedirectResponse("/login", status_code=303)
        return RedirectResponse("/login?" + urlencode({"next": asked}), status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.headers.get("HX-Request") or "text/html" not in request.headers.get("accept", ""):
            return Response(str(exc.detail), status_code=exc.status_code, media_type="text/plain")
        return render(request, "error.html", exc.status_code, message=exc.detail, status=exc.status_code)

    @app.exception_handler(RpaError)
    async def rpa_error(request: Request, exc: RpaError) -> Response:
        return await http_error(request, HTTPException(409, exc.message))

    def start_verification() -> None:
        state = console.verify
        with state.lock:
            if state.running:
                return
            state.running = True

        def work() -> None:
            try:
                result = audit_tools.verify(db, settings)
                state.ok, state.text = result.ok, result.text
            except Exception as exc:  # shown on the page, never lost in a thread
                logger.opt(exception=exc).error("audit verification failed")
                state.ok, state.text = False, f"verification could not run: {type(exc).__name__}: {exc}"
            finally:
                state.finished_at, state.running = clock(), False

        threading.Thread(target=work, name="console-verify", daemon=True).start()

    def verify_loop() -> None:
        while not stop.is_set():
            start_verification()
            stop.wait(verify_every_s)

    # --- signing in -------------------------------------------------------------------------------

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "") -> Response:
        token = new_token()
        response = render(request, "login.html", login_csrf=token, message="", next=safe_next(next) or "")
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=_secure(request, console),
            max_age=3600,
        )
        return response

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        login_name = str(form.get("login") or "").strip()[:128]
        password = str(form.get("password") or "")
        after = safe_next(str(form.get("next") or ""))
        if not same(str(form.get("csrf") or ""), request.cookies.get(LOGIN_CSRF_COOKIE, "")):
            raise HTTPException(403, "the login form's CSRF token is missing or wrong: reload the page")
        address, now, cfg = _client(request), clock(), settings.console
        by_login, by_address = store.failures_since(
            db, login_name, address, now - timedelta(minutes=cfg.login_window_minutes)
        )
        if by_login >= cfg.login_attempts or by_address >= cfg.login_attempts * 4:
            store.record_login(db, login_name, address, now, outcome="throttled", reason="too many failures")
            message = f"too many failed logins: try again in {cfg.login_window_minutes} minutes"
            return render(
                request,
                "login.html",
                429,
                login_csrf=request.cookies.get(LOGIN_CSRF_COOKIE, ""),
                message=message,
                next=after or "",
            )
        user = store.find_user(db, login_name) if login_name else None
        # argon2 takes a good part of a second: off the event loop, which keeps serving other pages
        valid = await run_in_threadpool(verify_password, user.password_hash if user else None, password)
        if user is None or not valid or not user.active:
            reason = "unknown login" if user is None else ("disabled" if valid else "wrong password")
            store.record_login(db, login_name or "(empty)", address, now, outcome="refused", reason=reason)
            return render(
                request,
                "login.html",
                401,
                login_csrf=request.cookies.get(LOGIN_CSRF_COOKIE, ""),
                message="login or password wrong",
                next=after or "",
            )
        if needs_rehash(user.password_hash):
            store.set_password_hash(db, user.login, hash_password(password))
        token = new_token()
        lifetime = timedelta(minutes=cfg.session_minutes)
        store.open_session(db, user, token_hash(token), new_token(), address, now, lifetime)
        store.record_login(db, user.login, address, now, outcome="ok")
        response = RedirectResponse(after or "/", status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            token,
            httponly=True,
            samesite="lax",  # links from alert e-mails open the page signed in; POSTs need the CSRF token
            secure=_secure(request, console),
            max_age=int(lifetime.total_seconds()),
            path="/",
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE)
        return response

    @app.post("/logout")
    def logout(person: Anyone) -> Response:
        store.close_session(db, person.token_hash, person.login)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    # --- dashboard ----------------------------------------------------------------------------------

    past_days: dict[tuple[str, str, datetime, date], dict[str, tuple[int, float]]] = {}

    def per_day(action: str, since: datetime, key: str) -> dict[str, tuple[int, float]]:
        """Daily counts/sums of ``action`` since ``since``: the days before today (UTC) never change
        (the trail is append-only), so they are computed once per process and day; today is re-read."""
        midnight = datetime.combine(clock().astimezone(UTC).date(), time(0), tzinfo=UTC)
        cache_key = (action, key, since, midnight.date())
        if cache_key not in past_days:
            if len(past_days) > 16:  # yesterday's keys
                past_days.clear()
            past_days[cache_key] = store.daily_events(db, action, since, key, until=midnight)
        return past_days[cache_key] | store.daily_events(db, action, max(since, midnight), key)

    @app.get("/", response_class=HTMLResponse)
    def dashboard(request: Request, person: Viewer) -> Response:
        now = clock()
        today = _day_start(console, now.astimezone(settings.tz).date())
        runs, by_status = store.runs_since(db, today)
        ages = store.open_exceptions_by_age(db, now, sorted(bot_ids))
        series = ("< 1 day", "1-7 days", "> 7 days")
        age_chart = charts.stacked(
            [(bot, [ages[bot].get(s, 0) for s in series]) for bot in sorted(ages)],
            series,
            title="open exceptions by bot and age",
        )
        weeks = 8
        start_week = today - timedelta(days=7 * (weeks - 1) + today.astimezone(settings.tz).weekday())
        labels = [(start_week + timedelta(days=7 * i)) for i in range(weeks)]

        def week_of(instant: datetime) -> int:
            return min(max(int((instant - start_week).total_seconds() // (7 * 86400)), 0), weeks - 1)

        rates: list[list[float]] = [[] for _ in labels]
        for created, rate, _lines in rates_since("invoice_matching", start_week):
            rates[week_of(created)].append(rate)
        amounts = [0.0] * weeks
        for day, (_n, total) in per_day("erp.payment.posted", start_week, "amount").items():
            amounts[week_of(datetime.fromisoformat(day + "T12:00:00+00:00"))] += total
        reminders = [0.0] * weeks
        for day, (n, _a) in per_day("mail.sent", start_week, "").items():
            reminders[week_of(datetime.fromisoformat(day + "T12:00:00+00:00"))] += n
        names = [console.local(w, "%d/%m") for w in labels]
        return render(
            request,
            "dashboard.html",
            runs=runs,
            by_status=by_status,
            ages=ages,
            age_chart=age_chart,
            rate_chart=charts.bars(
                [
                    (n, round(100 * sum(r) / len(r), 1) if r else 0.0)
                    for n, r in zip(names, rates, strict=True)
                ],
                title="automatic match rate per week (%)",
                unit="%",
            ),
            amount_chart=charts.bars(list(zip(names, amounts, strict=True)), title="amounts posted per week"),
            reminder_chart=charts.bars(
                list(zip(names, reminders, strict=True)), title="reminders sent per week"
            ),
        )

    past_rates: dict[tuple[str, datetime, date], list[tuple[datetime, float, int]]] = {}

    def rates_since(bot: str, since: datetime) -> list[tuple[datetime, float, int]]:
        """Match rates of the bot's runs since ``since``: runs of the days before today are read once per
        process and day (they have finished), today's on every request."""
        midnight = datetime.combine(clock().astimezone(UTC).date(), time(0), tzinfo=UTC)
        cache_key = (bot, since, midnight.date())
        if cache_key not in past_rates:
            if len(past_rates) > 8:  # yesterday's keys
                past_rates.clear()
            past_rates[cache_key] = store.match_rates(db, bot, since, until=midnight)
        return past_rates[cache_key] + store.match_rates(db, bot, max(since, midnight))

    # --- runs ---------------------------------------------------------------------------------------

    @app.get("/runs", response_class=HTMLResponse)
    def runs(
        request: Request,
        person: Viewer,
        bot: str = "",
        status: str = "",
        trigger: str = "",
        before: str = "",
    ) -> Response:
        page = store.runs_page(db, bot=bot, status=status, trigger=trigger, before=_int(before, "before"))
        return render(request, "runs.html", page=page, bot=bot, status=status, trigger=trigger)

    def run_or_404(run_id: int) -> Any:
        run = find_run(db, run_id)
        if run is None:
            raise HTTPException(404, f"there is no run {run_id}")
        return run

    def report_dir(run: Any) -> Path:
        return settings.var_path / "reports" / str(run.bot) / f"run-{run.id}"

    def run_files(run: Any) -> list[str]:
        folder = report_dir(run)
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if p.is_file() and _SAFE_NAME.match(p.name))

    def log_excerpt(run: Any, limit: int = 40) -> list[str]:
        folder = settings.path(settings.log.json_dir)
        lines: list[str] = []
        marker = f'"run_id": {run.id}'
        for path in sorted(folder.glob("*.jsonl"))[-3:] if folder.is_dir() else []:
            with path.open(encoding="utf-8", errors="replace") as fh:
                lines.extend(line.strip() for line in fh if marker in line or f'"run_id":{run.id}' in line)
        return lines[-limit:]

    @app.get("/runs/{run_id}", response_class=HTMLResponse)
    def run_page(request: Request, run_id: int, person: Viewer) -> Response:
        run = run_or_404(run_id)
        items, counts = store.run_items(db, run_id)
        return render(
            request,
            "run.html",
            run=run,
            items=items,
            counts=counts,
            files=run_files(run),
            log=log_excerpt(run),
        )

    @app.get("/runs/{run_id}/live", response_class=HTMLResponse)
    def run_live(request: Request, run_id: int, person: Viewer) -> Response:
        run = run_or_404(run_id)
        _items, counts = store.run_items(db, run_id, limit=0)
        return render(request, "run_live.html", run=run, counts=counts)

    @app.get("/runs/{run_id}/files/{name}")
    def run_file(run_id: int, name: str, person: Viewer) -> Response:
        run = run_or_404(run_id)
        folder = report_dir(run).resolve()
        if not _SAFE_NAME.match(name):
            raise HTTPException(404, "no such file")
        path = (folder / name).resolve()
        if path.parent != folder or not path.is_file():
            raise HTTPException(404, "no such file in this run's folder")
        return FileResponse(path, filename=name, content_disposition_type="attachment")

    @app.get("/evidence/{sha}")
    def evidence(sha: str, person: Viewer) -> Response:
        if not _SHA.match(sha):
            raise HTTPException(404, "no such evidence")
        root = (settings.audit_path / "evidence").resolve()
        path = EvidenceStore(root).find(sha)
        if path is None or not path.resolve().is_relative_to(root):
            raise HTTPException(404, "evidence file not found")
        inline = path.suffix.lower() in (".png", ".jpg", ".jpeg")
        return FileResponse(
            path, filename=path.name, content_disposition_type="inline" if inline else "attachment"
        )

    # --- schedules ----------------------------------------------------------------------------------

    @app.get("/schedules", response_class=HTMLResponse)
    def schedules(request: Request, person: Viewer) -> Response:
        from scheduler.commands import schedule_rows

        rows = schedule_rows(settings, db, bot_ids, 3, now=clock())
        fires = {str(r["name"]): store.recent_fires(db, str(r["name"])) for r in rows}
        return render(request, "schedules.html", rows=rows, fires=fires)

    @app.post("/schedules/{name}/{action}")
    def schedule_action(name: str, action: str, person: Operator) -> Response:
        from scheduler import commands

        actor = store.user_actor(person.login)
        if action in ("pause", "resume"):
            commands.set_paused(settings, db, bot_ids, name, actor, action == "pause", clock=clock)
        elif action == "trigger":
            if command is None:
                raise HTTPException(409, "this console cannot start runs (no run command configured)")
            run_cmd = command

            def launch() -> None:
                try:
                    commands.trigger(settings, db, bot_ids, run_cmd, name, actor, clock=clock)
                except Exception as exc:
                    logger.opt(exception=exc).error("trigger of {} from the console failed", name)

            threading.Thread(target=launch, name=f"trigger-{name}", daemon=True).start()
        else:
            raise HTTPException(404, f"unknown schedule action {action!r}")
        return RedirectResponse("/schedules", status_code=303)

    # --- the exception queue ------------------------------------------------------------------------

    @app.get("/exceptions", response_class=HTMLResponse)
    def exceptions(
        request: Request,
        person: Viewer,
        bot: str = "",
        code: str = "",
        age: str = "",
        min_amount: str = "",
        max_amount: str = "",
        after: str = "",
    ) -> Response:
        cursor = None
        if after:
            stamp, _, ident = after.rpartition("~")
            try:
                cursor = (datetime.fromisoformat(stamp), int(ident))
            except ValueError as exc:
                raise HTTPException(400, "bad cursor") from exc
        low, high = _amount(min_amount, "minimum amount"), _amount(max_amount, "maximum amount")
        rows, nxt = store.exceptions_page(
            db,
            clock(),
            bot=bot,
            code=code,
            min_age_days=_int(age, "age"),
            min_amount=float(low) if low is not None else None,
            max_amount=float(high) if high is not None else None,
            after=cursor,
        )
        filters = {"bot": bot, "code": code, "age": age, "min_amount": min_amount, "max_amount": max_amount}
        return render(
            request,
            "exceptions.html",
            rows=rows,
            filters=filters,
            next_cursor=f"{nxt[0].isoformat()}~{nxt[1]}" if nxt else None,
            proposals=store.pending_proposals(db),
        )

    def view_or_404(item_id: int) -> store.ItemView:
        view = store.item_view(db, item_id)
        if view is None:
            raise HTTPException(404, f"there is no work item {item_id}")
        return view

    @app.get("/exceptions/{item_id}", response_class=HTMLResponse)
    def exception_page(request: Request, item_id: int, person: Viewer) -> Response:
        view = view_or_404(item_id)
        payload = dict(view.item.payload or {})
        return render(
            request,
            "exception.html",
            view=view,
            item=view.item,
            options=_match_options(payload),
            findings=_findings(payload),
            amount=store.item_amount(payload),
            threshold=settings.console.four_eyes_amount,
            message="",
        )

    open_items_cache: dict[Path, tuple[float, list[OpenItemRow]]] = {}

    def latest_open_items() -> tuple[int, list[OpenItemRow]] | None:
        """The open items kept by the latest invoice_matching run that exported them, and its id."""
        for run in list_runs(db, bot=MATCHING_BOT, limit=20):
            path = report_dir(run) / OPEN_ITEMS_FILE
            try:
                stamp = path.stat().st_mtime
            except OSError:
                continue
            cached = open_items_cache.get(path)
            if cached is None or cached[0] != stamp:
                open_items_cache.clear()  # only the latest file is searched
                cached = open_items_cache[path] = (stamp, read_open_items(path))
            return run.id, cached[1]
        return None

    def line_of(view: store.ItemView) -> dict[str, Any]:
        line = (view.item.payload or {}).get("line")
        if not isinstance(line, dict):
            raise HTTPException(404, f"work item {view.item.id} is not a bank line")
        return line

    @app.get("/exceptions/{item_id}/invoices", response_class=HTMLResponse)
    def invoice_search(request: Request, item_id: int, person: Viewer, q: str = "") -> Response:
        view = view_or_404(item_id)
        line_of(view)
        latest = latest_open_items()
        found: list[OpenItemRow] = []
        if latest is not None and q.strip():
            run_id, rows = latest
            found = search_open_items(rows, q[:64], allocated=store.allocated_since(db, MATCHING_BOT, run_id))
        return render(
            request,
            "invoice_results.html",
            item=view.item,
            results=found,
            query=q.strip(),
            source=latest[0] if latest else None,
        )

    @app.get("/exceptions/{item_id}/invoices/pick", response_class=HTMLResponse)
    def invoice_pick(request: Request, item_id: int, person: Viewer, invoice: str = "") -> Response:
        view = view_or_404(item_id)
        line = line_of(view)
        latest = latest_open_items()
        row = None
        if latest is not None:
            run_id, rows = latest
            row = find_open_item(rows, invoice, store.allocated_since(db, MATCHING_BOT, run_id))
        if row is None:
            raise HTTPException(404, f"invoice {invoice!r} is not among the open items")
        paid = _amount(str(line.get("amount") or ""), "the bank line's amount")
        amount = min(row.amount_open, paid) if paid is not None and paid > 0 else row.amount_open
        return render(request, "invoice_other.html", invoice=row.invoice, amount=str(amount), row=row)

    @app.post("/exceptions/{item_id}/claim")
    def claim(item_id: int, person: Decider) -> Response:
        store.claim(db, item_id, person.login, clock())
        return RedirectResponse(f"/exceptions/{item_id}", status_code=303)

    @app.post("/exceptions/{item_id}/release")
    def release(item_id: int, person: Decider) -> Response:
        store.claim(db, item_id, person.login, clock(), release=True)
        return RedirectResponse(f"/exceptions/{item_id}", status_code=303)

    @app.post("/exceptions/{item_id}/resolve")
    async def resolve(request: Request, item_id: int, person: Decider) -> Response:
        view = view_or_404(item_id)
        form = await request.form()
        payload = dict(view.item.payload or {})
        comment = str(form.get("comment") or "")
        try:
            resolution, moved = _resolution(form, payload, comment)
        except ResolutionError as exc:
            raise HTTPException(400, str(exc)) from exc
        amount = max(moved, Decimal(store.item_amount(payload) or 0))
        four_eyes = amount >= settings.console.four_eyes_amount
        store.resolve_or_propose(
            db, item_id, person.login, resolution, str(amount), four_eyes, clock(), clock
        )
        return RedirectResponse(f"/exceptions/{item_id}", status_code=303)

    @app.post("/proposals/{proposal_id}/{verdict}")
    async def decide(request: Request, proposal_id: int, verdict: str, person: Decider) -> Response:
        if verdict not in ("approve", "reject"):
            raise HTTPException(404, f"unknown verdict {verdict!r}")
        form = await request.form()
        note = " ".join(str(form.get("note") or "").split())
        if not note:
            raise HTTPException(400, "a comment is mandatory: say why, it is kept in the audit trail")
        p = store.decide_proposal(db, proposal_id, person.login, verdict == "approve", note, clock(), clock)
        return RedirectResponse(f"/exceptions/{p.work_item_id}", status_code=303)

    # --- the audit trail ----------------------------------------------------------------------------

    def audit_filters(start: str, end: str) -> tuple[datetime | None, datetime | None]:
        first, last = _parse_day(start), _parse_day(end)
        return (
            _day_start(console, first) if first else None,
            _day_start(console, last + timedelta(days=1)) if last else None,
        )

    @app.get("/audit", response_class=HTMLResponse)
    def audit(
        request: Request,
        person: Viewer,
        start: str = "",
        end: str = "",
        actor: str = "",
        action: str = "",
        target: str = "",
        before: str = "",
    ) -> Response:
        low, high = audit_filters(start, end)
        page = store.events_page(
            db,
            start=low,
            end=high,
            actor=actor.strip(),
            action=action.strip(),
            target=target.strip(),
            before=_int(before, "before"),
        )
        filters = {"start": start, "end": end, "actor": actor, "action": action, "target": target}
        return render(request, "audit.html", page=page, filters=filters, verify=console.verify)

    @app.get("/audit/verification", response_class=HTMLResponse)
    def verification(request: Request, person: Viewer) -> Response:
        return render(request, "verify_status.html", verify=console.verify)

    @app.post("/audit/verify")
    def verify_now(person: Anyone) -> Response:
        start_verification()
        return RedirectResponse("/audit", status_code=303)

    @app.get("/audit/events/{seq}", response_class=HTMLResponse)
    def audit_event(request: Request, seq: int, person: Viewer) -> Response:
        found = store.event(db, seq)
        if found is None:
            raise HTTPException(404, f"there is no event {seq}")
        return render(request, "event.html", event=found)

    @app.get("/audit/export.csv")
    def export_csv(
        person: Exporter,
        start: str = "",
        end: str = "",
        actor: str = "",
        action: str = "",
        target: str = "",
    ) -> Response:
        low, high = audit_filters(start, end)
        store.record_action(
            db,
            person.login,
            "audit.exported_csv",
            "audit",
            f"{start}..{end}",
            {"from": start, "to": end, "actor": actor, "action": action, "target": target},
        )

        def rows() -> Iterator[str]:
            buf = io.StringIO()
            writer = csv.writer(buf)
            writer.writerow(EVENT_COLUMNS)
            for e in store.iter_events(db, low, high, actor.strip(), action.strip(), target.strip()):
                text = (e.ts, e.actor, e.action, e.target_type, e.target_id, e.outcome, e.details, e.evidence)
                writer.writerow([e.seq, *(neutralize(t) for t in text), e.prev_hash, e.hash])
                if buf.tell() > 1 << 16:
                    yield buf.getvalue()
                    buf.seek(0)
                    buf.truncate()
            yield buf.getvalue()

        name = f"audit-{start or 'start'}-{end or 'end'}.csv"
        return StreamingResponse(
            rows(), media_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )

    @app.post("/audit/bundle")
    async def export_bundle(request: Request, person: ExporterPost) -> Response:
        form = await request.form()
        today = clock().astimezone(UTC).date()
        first = _parse_day(str(form.get("start") or "")) or date(1970, 1, 1)
        last = _parse_day(str(form.get("end") or "")) or today
        work = Path(tempfile.mkdtemp(prefix="bundle-", dir=settings.var_path))
        try:
            audit_tools.write_bundle(
                db, settings, first, last, work / "bundle", store.user_actor(person.login)
            )
            archive = shutil.make_archive(str(work / "audit-bundle"), "zip", work / "bundle")
            data = Path(archive).read_bytes()
        finally:
            shutil.rmtree(work, ignore_errors=True)
        name = f"audit-bundle-{first}-{last}.zip"
        return Response(
            data,
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    return app


# --- what a person decides -----------------------------------------------------------------------------


def _match_options(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The readings of a bank line a person may pick: the bot's suggestion, then its alternatives
    (a combination is offered when its split per invoice is known)."""
    if not isinstance(payload.get("line"), dict):
        return []
    options = []
    allocations = [(str(a["invoice"]), str(a["amount"])) for a in payload.get("allocations") or []]
    if allocations:
        options.append(
            {
                "key": "s",
                "label": "suggested",
                "allocations": allocations,
                "note": str(payload.get("explanation") or ""),
            }
        )
    for i, alt in enumerate(payload.get("alternatives") or []):
        invoices = [str(x) for x in alt.get("invoices") or []]
        split = [(str(a["invoice"]), str(a["amount"])) for a in alt.get("split") or []]
        if len(invoices) == 1:
            chosen = [(invoices[0], str(alt["amount"]))]
        elif split and [inv for inv, _ in split] == invoices:
            chosen = split  # a combination: each invoice with its own amount
        else:
            continue  # a combination stored without its split cannot be posted as such
        options.append(
            {
                "key": f"a{i}",
                "label": f"{'alternative' if len(chosen) == 1 else 'combination'} {i + 1}",
                "allocations": chosen,
                "note": str(alt.get("note") or ""),
            }
        )
    return options


def _findings(payload: dict[str, Any]) -> list[dict[str, str]]:
    found = payload.get("findings")
    if not isinstance(found, list):
        return []
    seen: dict[str, dict[str, str]] = {}
    for f in found:
        if isinstance(f, dict) and f.get("code"):
            seen.setdefault(str(f["code"]), {"code": str(f["code"]), "message": str(f.get("message") or "")})
    return list(seen.values())


def _resolution(form: Any, payload: dict[str, Any], comment: str) -> tuple[str, Decimal]:
    """The resolution note for the decision in ``form``, and the amount it moves."""
    kind = str(form.get("kind") or "manual")
    if kind == "match":
        choice = str(form.get("option") or "")
        if choice == "other":
            invoice = str(form.get("invoice") or "").strip()
            try:
                amount = Decimal(str(form.get("invoice_amount") or "").strip().replace(",", "."))
            except InvalidOperation as exc:
                raise ResolutionError("the amount of the invoice entered is not a number") from exc
            allocations = [(invoice, amount)]
        else:
            option = next((o for o in _match_options(payload) if o["key"] == choice), None)
            if option is None:
                raise ResolutionError("pick one of the suggested invoices, or enter one")
            allocations = [(inv, Decimal(amt)) for inv, amt in option["allocations"]]
        return match_note(allocations, comment), sum((a for _, a in allocations), Decimal(0))
    if kind == "reminder":
        verdict = str(form.get("verdict") or "")
        if verdict not in ("approve", "cancel"):
            raise ResolutionError("approve or cancel the reminder")
        return approval_note(verdict == "approve", comment), Decimal(0)
    if kind == "findings":
        verdicts = {}
        for f in _findings(payload):
            value = str(form.get(f"finding_{f['code']}") or "")
            if value not in ("accept", "reject"):
                raise ResolutionError(f"accept or reject finding {f['code']}")
            verdicts[f["code"]] = value == "accept"
        return findings_note(verdicts, comment), Decimal(0)
    return manual_note(comment), Decimal(0)
