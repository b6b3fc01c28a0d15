"""The scale-out commands refuse what cannot work, in one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.postgres


def _settings(home: Path, url: str) -> None:
    (home / "config" / "settings.toml").write_text(f'[database]\nurl = "{url}"\n')


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("var/rpa.db", "is not a database URL"),
        ("postgres://rpa@db/rpa", "write postgresql+psycopg:// instead of postgres://"),
        ("postgresql+pg8000://rpa:s3cret@127.0.0.1/rpa", "the driver 'postgresql+pg8000' is not installed"),
    ],
)
def test_db_upgrade_with_a_bad_url_is_one_line(rpa_home: Path, url: str, expected: str) -> None:
    _settings(rpa_home, url)
    result = run_cli(rpa_home, "db", "upgrade")
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert "s3cret" not in result.stderr and "Traceback" not in result.stderr


def test_db_upgrade_brings_postgres_to_the_schema_and_the_worker_refuses_sqlite(
    rpa_home: Path, pg_url: str
) -> None:
    _settings(rpa_home, pg_url)
    upgraded = run_cli(rpa_home, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "database at the current schema" in upgraded.stdout
    (rpa_home / "config" / "settings.toml").write_text("")
    refused = run_cli(rpa_home, "worker")
    assert refused.returncode == 2
    assert "rpa worker needs PostgreSQL" in refused.stderr and "Traceback" not in refused.stderr
