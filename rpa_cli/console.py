"""``rpa serve`` (the scheduler and the web console together) and ``rpa users add|list|disable``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rpa_cli import wiring
from rpa_cli.output import err, out

if TYPE_CHECKING:
    import uvicorn

    from rpa.settings import Settings
    from rpa.store.db import Database

users_app = typer.Typer(no_args_is_help=True, help="People who use the web console, and their roles.")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cmd)
    app.add_typer(users_app, name="users")


def serve_cmd(
    no_scheduler: Annotated[bool, typer.Option("--no-scheduler", help="Serve the console only")] = False,
    no_console: Annotated[bool, typer.Option("--no-console", help="Run the scheduler only")] = False,
    host: Annotated[str | None, typer.Option(help="Console address (default: console.host)")] = None,
    port: Annotated[int | None, typer.Option(help="Console port (default: console.port)")] = None,
) -> None:
    """Run the scheduler and the web console in the foreground (one scheduler per SQLite installation).

    The scheduler keeps the main thread (SIGTERM/SIGINT stop both); the console is served beside it.
    A console whose port is taken is reported and the scheduler runs on: schedules never wait on it.
    """
    from rpa.errors import ConfigError
    from rpa.log import configure_logging

    if no_scheduler and no_console:
        raise ConfigError(
            "--no-scheduler and --no-console together leave nothing to run", code="CLI_BAD_ARGUMENTS"
        )
    s, db = wiring.settings(), wiring.database()
    configure_logging(s, component="console" if no_scheduler else "scheduler")
    bind_host, bind_port = host or s.console.host, port or s.console.port
    if no_scheduler:
        alone = _console_server(s, db, bind_host, bind_port)
        out().print(f"console on http://{bind_host}:{bind_port}")
        alone.run()
        return
    from rpa_cli.worker import account_lock_for
    from scheduler.leader import run_scheduler_with_leadership

    console_thread = None
    server: uvicorn.Server | None = None
    if not no_console:
        problem = _port_problem(bind_host, bind_port)
        if problem:
            err().print(f"console not started: {problem} (set console.port or --port); the scheduler runs on")
        else:
            import threading

            server = _console_server(s, db, bind_host, bind_port)
            console_thread = threading.Thread(target=server.run, name="console", daemon=True)
            console_thread.start()
            out().print(f"console on http://{bind_host}:{bind_port}")
    try:
        # As `rpa schedule run`: on PostgreSQL one of several candidates, on SQLite the only one.
        run_scheduler_with_leadership(
            s, db, bot_ids=wiring.bot_ids(s), command=wiring.run_command, lock_for=account_lock_for(s)
        )
    finally:
        if server is not None and console_thread is not None:
            server.should_exit = True
            console_thread.join(timeout=10)


def _port_problem(host: str, port: int) -> str:
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            return f"{host}:{port} cannot be bound ({exc.strerror})"
    return ""


def _console_server(s: Settings, db: Database, host: str, port: int) -> uvicorn.Server:
    import uvicorn

    from console.app import create_app

    app = create_app(s, db, bot_ids=wiring.bot_ids(s), command=wiring.run_command)
    return uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False))


@users_app.command("add")
def users_add(
    login: Annotated[str, typer.Argument(help="The login, e.g. alice")],
    role: Annotated[str, typer.Option(help="operator, backoffice, auditor or admin")],
    name: Annotated[str, typer.Option(help="Display name (default: the login)")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin")
    ] = False,
) -> None:
    """Add a console user; the password is prompted (or read from stdin) and stored as an argon2 hash."""
    from console.security import hash_password
    from rpa.audit.trail import AuditTrail
    from rpa.clock import utcnow
    from rpa.errors import ConfigError
    from rpa.store.console import ROLES, add_user

    if role not in ROLES:
        raise ConfigError(f"--role {role!r}: use one of {', '.join(ROLES)}", code="ROLE_UNKNOWN")
    if not login.strip() or len(login) > 128 or any(c.isspace() for c in login):
        raise ConfigError(f"login {login!r}: 1 to 128 characters, no spaces", code="LOGIN_INVALID")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        hashed = hash_password(password)
    except ValueError as exc:
        raise ConfigError(f"password for {login}: {exc}", code="PASSWORD_WEAK") from exc
    add_user(wiring.database(), AuditTrail(wiring.actor()), login, role, hashed, utcnow(), name)
    out().print(f"user {login} added with role {role}")


@users_app.command("list")
def users_list() -> None:
    """Every console user with role and state."""
    from rich.table import Table

    from rpa.store.console import list_users
    from rpa_cli.output import local_time

    table = Table("login", "name", "role", "active", "created")
    tz = wiring.settings().tz
    for u in list_users(wiring.database()):
        table.add_row(
            u.login, u.display_name, u.role, "yes" if u.active else "no", local_time(u.created_at, tz)
        )
    out().print(table)


@users_app.command("disable")
def users_disable(login: Annotated[str, typer.Argument(help="The login to disable")]) -> None:
    """Disable a user: their sessions end at once and they can no longer sign in (audited)."""
    from rpa.audit.trail import AuditTrail
    from rpa.store.console import disable_user

    changed = disable_user(wiring.database(), AuditTrail(wiring.actor()), login)
    (out() if changed else err()).print(
        f"user {login} disabled" if changed else f"user {login} was already disabled"
    )


# Known on purpose: the demo installation only (var/demo, wiped by every demo), printed by `rpa demo`.
DEMO_PASSWORD = "demo-{role}-pw"  # noqa: S105


def add_demo_logins(out_console: Any, db: Database, console_port: int = 8800) -> None:
    """One console user per role in the demo's own database, with a known password, and how to open it."""
    from console.security import hash_password
    from rpa.audit.trail import AuditTrail
    from rpa.clock import utcnow
    from rpa.store.console import ROLES, add_user, find_user

    for role in ROLES:
        login = f"demo-{role}"
        if find_user(db, login) is None:
            add_user(
                db,
                AuditTrail("system:demo"),
                login,
                role,
                hash_password(DEMO_PASSWORD.format(role=role)),
                utcnow(),
            )
    out_console.print(
        f"console: http://127.0.0.1:{console_port} once started with `RPA_VAR_DIR=var/demo "
        "RPA_AUDIT__DIR=var/demo/audit_logs rpa serve --no-scheduler`; demo logins:",
        highlight=False,
    )
    for role in ROLES:
        out_console.print(f"  {role:<11} demo-{role} / {DEMO_PASSWORD.format(role=role)}", highlight=False)
