"""The database handle: engines, sessions, write transactions, migrations on start-up.

Two backends: the embedded SQLite file (WAL, one write lock) and PostgreSQL for scale-out
(``postgresql+psycopg://...``), with advisory-lock helpers for what must be one at a time.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from rpa.errors import ConfigError

_MIGRATIONS = Path(__file__).parent / "migrations"
_REVISION = re.compile(r"^(down_)?revision\s*(?::[^=]*)?=\s*['\"]?(\w+)['\"]?", re.MULTILINE)


def head_revision() -> str | None:
    """The newest migration's id, read from the migration files (no Alembic import: start-up stays fast)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (_MIGRATIONS / "versions").glob("*.py"):
        for down, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            (parents if down else revisions).add(value)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _sqlite_engine(url: str, *, immediate: bool, echo: bool) -> Engine:
    engine = create_engine(url, echo=echo, connect_args={"timeout": 60, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so BEGIN IMMEDIATE can be issued below.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front: a deferred transaction that reads then writes can
        # fail with SQLITE_BUSY_SNAPSHOT under concurrency, which busy_timeout cannot cure.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class DatabaseUrlError(ConfigError):
    """``database.url`` names no database this product can open."""

    code = "DATABASE_URL_INVALID"


def parse_url(url: str) -> URL:
    """The SQLAlchemy URL of ``database.url``, refused in one line when unusable (password never shown)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        shown = url.rsplit("@", maxsplit=1)[-1] if "@" in url else url
        raise DatabaseUrlError(
            f"database.url: {shown!r} is not a database URL (expected sqlite:///PATH or "
            "postgresql+psycopg://USER@HOST:PORT/DATABASE)"
        ) from exc
    if parsed.get_backend_name() == "postgres":
        raise DatabaseUrlError(
            f"database.url: {parsed.render_as_string(hide_password=True)}: write postgresql+psycopg:// "
            "instead of postgres://"
        )
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseUrlError(
            f"database.url: {parsed.render_as_string(hide_password=True)}: unsupported database "
            f"{parsed.get_backend_name()!r} (SQLite or PostgreSQL)"
        )
    return parsed


def _postgres_engine(url: URL, echo: bool) -> Engine:
    try:
        return create_engine(
            url,
            echo=echo,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=10,
            pool_recycle=1800,
            connect_args={"application_name": "backoffice-rpa", "connect_timeout": 10},
        )
    except (NoSuchModuleError, ImportError) as exc:
        raise DatabaseUrlError(
            f"database.url: {url.render_as_string(hide_password=True)}: the driver {url.drivername!r} is not "
            f"installed ({type(exc).__name__}: {str(exc).splitlines()[0]}); use postgresql+psycopg:// "
            "(psycopg 3, installed with the product)"
        ) from exc


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for a PostgreSQL advisory lock named ``name``."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def libpq_dsn(url: str) -> str:
    """The libpq connection string of a PostgreSQL SQLAlchemy URL (for psycopg and procrastinate)."""
    return parse_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Database:
    """Two engines on one database: one for write transactions, one for reads."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        parsed = parse_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.is_postgres = not self.is_sqlite
        if self.is_sqlite:
            path = url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.write_engine = _sqlite_engine(url, immediate=True, echo=echo)
            self.read_engine = _sqlite_engine(url, immediate=False, echo=echo)
        else:
            self.write_engine = _postgres_engine(parsed, echo)
            self.read_engine = self.write_engine
        self._writer = sessionmaker(self.write_engine, expire_on_commit=False)
        self._reader = sessionmaker(self.read_engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any exception."""
        with self._writer() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session:
            yield session

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` with Alembic."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        cfg.attributes["engine"] = self.write_engine
        try:
            command.upgrade(cfg, revision)
        except OperationalError as exc:
            raise DatabaseUrlError(
                f"database.url: cannot reach {self.display_url}: {_first_line(exc)}",
                code="DATABASE_UNREACHABLE",
            ) from exc

    @property
    def display_url(self) -> str:
        """The URL without its password, for messages and logs."""
        return make_url(self.url).render_as_string(hide_password=True)

    def xact_lock(self, session: Session, name: str) -> None:
        """Serialize ``session``'s transaction with every other holding ``name`` (PostgreSQL; SQLite's
        write transactions are serialized already). Released at commit or rollback."""
        if self.is_postgres:
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": advisory_key(name)})

    def ensure_current(self) -> None:
        """Upgrade the schema unless it is already at the newest migration (checked with one query)."""
        try:
            with self.read_engine.connect() as conn:
                current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except (OperationalError, ProgrammingError):  # no schema yet
            current = None
        if current is None or current != head_revision():
            self.upgrade()

    def check_current(self) -> None:
        """Refuse, in one line, a database that cannot be reached or is not at the newest migration
        (services on PostgreSQL never migrate by themselves: ``rpa db upgrade`` does)."""
        try:
            with self.read_engine.connect() as conn:
                current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except ProgrammingError:
            current = None
        except OperationalError as exc:
            if self.is_sqlite:
                current = None
            else:
                raise DatabaseUrlError(
                    f"database.url: cannot reach {self.display_url}: {_first_line(exc)}",
                    code="DATABASE_UNREACHABLE",
                ) from exc
        if current != head_revision():
            raise ConfigError(
                f"database {self.display_url} is at schema {current or 'none'}, not {head_revision()}: "
                "run `rpa db upgrade`",
                code="DATABASE_NOT_UPGRADED",
            )

    def dispose(self) -> None:
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0]
