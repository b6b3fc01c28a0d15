# ruff: noqa: E501  (the table of cases reads best one case a line)
"""Every mistake a person can make on the command line gets one line naming what and where, exit 2,
never a traceback; check-config catches what would fail later; reconcile says when it read only part."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import openpyxl
import pytest

from legacy_apps.truth import write_ground_truth
from tests.conftest import run_cli

BIG_FIELD = 140 * 1024  # Python's csv module refuses fields over 128 KiB


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("inputs")
    write_ground_truth(7, root / "seed", lines=20)
    (root / "fake.xlsx").write_text("this is no workbook")
    book = openpyxl.Workbook()
    book.active.append(["number", "customer_id", "amount"])  # type: ignore[union-attr]
    book.save(root / "whole.xlsx")
    data = (root / "whole.xlsx").read_bytes()
    (root / "truncated.xlsx").write_bytes(data[: len(data) // 2])
    header, first = (root / "seed" / "statement.csv").read_text(encoding="utf-8").splitlines()[:2]
    (root / "big.csv").write_text(
        f"{header}\n{first.rsplit(';', 1)[0]};{'x' * BIG_FIELD}\n", encoding="utf-8"
    )
    (root / "a_file").write_text("")
    return root


def _reconcile(files: Path, *, statement: str = "seed/camt053.xml", items: str = "seed/open_items.csv",
               out: str = "out") -> tuple[str, ...]:  # fmt: skip
    return (
        "reconcile",
        str(files / statement),
        "--open-items",
        str(files / items),
        "--out",
        str(files / out),
    )


CASES = {
    "fake xlsx": (lambda f: _reconcile(f, items="fake.xlsx"), {}, "fake.xlsx: is not an xlsx workbook"),
    "truncated xlsx": (lambda f: _reconcile(f, items="truncated.xlsx"), {}, "truncated.xlsx: is a damaged xlsx"),
    "csv field over 128 KiB": (lambda f: _reconcile(f, statement="big.csv"), {}, "field larger than field limit"),
    "--out is a file": (lambda f: _reconcile(f, out="a_file"), {}, "a_file is a file, not a folder"),
    "--out under a file": (lambda f: _reconcile(f, out="a_file/sub"), {}, "a_file is a file, not a folder"),
    "--out unwritable": (lambda f: _reconcile(f, out="/proc/rpa-results"), {}, "--out /proc/rpa-results: cannot"),
    "extra_bots not JSON": (lambda f: ("check-config",), {"RPA_EXTRA_BOTS": "my_bots:BOT"}, "RPA_EXTRA_BOTS"),
    "extra_bots empty entry": (lambda f: ("run", "x"), {"RPA_EXTRA_BOTS": '[""]'}, "'' is not a bot reference"),
    "extra_bots two colons": (lambda f: ("check-config",), {"RPA_EXTRA_BOTS": '["a:b:c"]'}, "'a:b:c' is not a bot"),
    "extra_bots not a bot": (lambda f: ("check-config",), {"RPA_EXTRA_BOTS": '["os:path"]'}, "'os:path' is module"),
    "legacy unknown profile": (lambda f: ("legacy", "serve", "--faults", "bogus"), {}, "'bogus' is not a fault"),
    "legacy port": (lambda f: ("legacy", "serve", "--port", "99999"), {}, "Invalid value for '--port'"),
    "legacy lines": (lambda f: ("legacy", "seed", "--out", str(f / "s"), "--lines", "0"), {}, "Invalid value for '--lines'"),
    "legacy seed into a file": (lambda f: ("legacy", "seed", "--out", str(f / "a_file")), {}, "is a file, not a"),
    "legacy truth missing": (lambda f: ("legacy", "score", "--truth", str(f / "nope")), {}, "no ground_truth.json"),
    "legacy url": (lambda f: ("legacy", "score", "--truth", str(f / "seed"), "--url", "erp"), {}, "not an http(s)"),
    "legacy apps down": (
        lambda f: ("legacy", "score", "--truth", str(f / "seed"), "--url", "http://127.0.0.1:9"), {},
        "is `rpa legacy serve` running there?",
    ),
    "legacy today": (lambda f: ("legacy", "seed", "--out", str(f / "s"), "--today", "2026-13-01"), {}, "not a date"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_a_mistake_is_one_line_naming_it_and_exit_2(case: str, rpa_home: Path, files: Path) -> None:
    args, env, expected = CASES[case]
    done = run_cli(rpa_home, *args(files), **env)
    assert done.returncode == 2, (done.stdout[-2000:], done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    assert expected in " ".join(done.stderr.split()), done.stderr[-2000:]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"RPA_RUN__MAX_ATEMPTS": "3"}, "RPA_RUN__MAX_ATEMPTS: no such setting; did you mean RPA_RUN__MAX_ATTEMPTS?"),
        ({"RPA_LOGLEVEL": "DEBUG"}, "RPA_LOGLEVEL: no such setting; did you mean RPA_LOG__LEVEL?"),
        ({"RPA_APPS__ERP__URL": "erp.local"}, "environment RPA_APPS__ERP__URL: apps.erp.url"),
        ({"RPA_ALERTS__EMAIL_TO": '["ops.example.com"]'}, "'ops.example.com' is not an e-mail address"),
        ({"RPA_MAIL__SENDER": "robot"}, "environment RPA_MAIL__SENDER: mail.sender"),
        ({"RPA_APPS__BANK__TOTP_SECRET": "not-base-32!"}, "RPA_APPS__BANK__TOTP_SECRET: apps.bank.totp_secret: Value"),
        ({"RPA_CONFIG_DIR": "/nonexistent/config"}, "configuration folder /nonexistent/config does not exist"),
    ],
)  # fmt: skip
def test_check_config_catches_what_would_fail_later(
    rpa_home: Path, env: dict[str, str], expected: str
) -> None:
    done = run_cli(rpa_home, "check-config", **env)
    assert done.returncode == 2, done.stdout
    assert expected in done.stderr and "Traceback" not in done.stderr
    assert "not-base-32" not in done.stderr  # a secret is never echoed


def test_a_partly_read_reconciliation_never_replaces_earlier_results(rpa_home: Path, files: Path) -> None:
    out = files / "results"
    first = run_cli(rpa_home, *_reconcile(files, out="results"))
    assert first.returncode == 0, first.stderr
    before = (out / "decisions.csv").read_bytes()
    partial = run_cli(rpa_home, "reconcile", str(files / "seed/camt053.xml"), str(files / "missing.xml"),
                      "--open-items", str(files / "seed/open_items.csv"), "--out", str(out))  # fmt: skip
    assert partial.returncode == 1 and "missing.xml" in partial.stderr
    assert (out / "decisions.csv").read_bytes() == before  # earlier results kept
    kept = [p for p in files.iterdir() if p.name.startswith("results-")]
    assert len(kept) == 1 and (kept[0] / "decisions.csv").is_file() and kept[0].name in partial.stderr
    again = run_cli(rpa_home, *_reconcile(files, out="results"))
    assert again.returncode == 0 and not [p for p in files.iterdir() if p.name.startswith(".results")]


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-16"])
def test_open_items_in_a_windows_or_unicode_encoding_are_read(
    rpa_home: Path, files: Path, encoding: str
) -> None:
    text = (files / "seed" / "open_items.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    rows[1][2] = "Société Générale Ébénisterie"  # an accented name the encoding must carry
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    (files / f"items-{encoding}.csv").write_text(buffer.getvalue(), encoding=encoding)
    done = run_cli(rpa_home, *_reconcile(files, items=f"items-{encoding}.csv", out=f"enc-{encoding}"))
    assert done.returncode == 0, done.stderr
    assert "rejected" not in done.stderr and "problem" not in done.stderr


def test_the_cli_output_is_json_where_asked(rpa_home: Path) -> None:
    done = run_cli(rpa_home, "runs", "list", "--json")
    assert done.returncode == 0 and json.loads(done.stdout) == []
    assert subprocess.CompletedProcess  # the module's imports stay used
