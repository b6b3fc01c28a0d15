"""A run refuses a database that is behind the signed checkpoints kept outside it; `rpa db adopt` accepts
it, audited, as the start of a new checkpoint epoch."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli

BOTS = ["tests.kit.sample_bots:MIXED_BOT"]


def test_fresh_database_against_existing_checkpoints_is_refused_then_adopted(rpa_home: Path) -> None:
    first = run_cli(rpa_home, "run", "mixed", extra_bots=BOTS, RPA_RUN__BACKOFF_INITIAL_S="0")
    assert first.returncode == 0, first.stderr
    checkpoints = sorted((rpa_home / "audit_logs" / "checkpoints").glob("0000-*.json"))
    signed_size = int(checkpoints[-1].stem.split("-")[1])
    for f in (rpa_home / "var").glob("rpa.db*"):
        f.unlink()  # a database restored from nowhere: empty

    refused = run_cli(rpa_home, "run", "mixed", extra_bots=BOTS, RPA_RUN__BACKOFF_INITIAL_S="0")
    assert refused.returncode == 2
    message = " ".join(refused.stderr.split())
    assert "DATABASE_BEHIND_CHECKPOINTS" in message
    assert f"covers {signed_size} events" in message and checkpoints[-1].name in message
    assert "the database holds 1 events" in message  # the run's own creation record
    assert "rpa db adopt" in message

    adopted = run_cli(rpa_home, "db", "adopt", "--by", "alice")
    assert adopted.returncode == 0, adopted.stderr
    assert "epoch 1" in adopted.stdout
    again = run_cli(rpa_home, "run", "mixed", extra_bots=BOTS, RPA_RUN__BACKOFF_INITIAL_S="0")
    assert again.returncode == 0, again.stderr
    verified = run_cli(rpa_home, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    found = run_cli(rpa_home, "audit", "search", "--action", "audit.database_adopted", "--json")
    assert '"actor": "user:' in found.stdout and ' for alice"' in found.stdout  # the OS account, for alice
    assert f'"previous_size": {signed_size}' in found.stdout
    assert checkpoints[-1].exists()  # the old epoch's checkpoints are kept


def test_adopting_a_matching_database_is_refused(rpa_home: Path) -> None:
    assert run_cli(rpa_home, "run", "mixed", extra_bots=BOTS, RPA_RUN__BACKOFF_INITIAL_S="0").returncode == 0
    result = run_cli(rpa_home, "db", "adopt")
    assert result.returncode == 2 and "nothing to adopt" in result.stderr
