"""`rpa reminders plan` end to end, the command in a subprocess: an open-items file in, plan.csv and the
outbox's .eml files out; bad rows reported, unusable input refused with exit code 2."""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from bots.client_reminders.config import ClientRemindersConfig
from bots.client_reminders.offline import PLAN_HEADER, PlanSummary, plan_files
from rpa.mail import message_id_for
from tests.client_reminders.test_open_items import BASE, write_csv
from tests.conftest import REPO, run_cli

HEADER = [*BASE, "email", "language", "last_reminder_level", "last_reminder_date"]
HOSTILE = '=HYPERLINK("http://evil.example","pay here")'
ROWS = [
    # README example 3: the formal notice, approved by a person, 12.78 interest and 40.00 indemnity.
    ["F-100", "C1", "Alpha SARL", "2025-12-16", "2026-01-15", "1200.00", "1200.00", "EUR", "ar@alpha.fr",
     "fr", "second", "2026-01-30"],
    ["F-101", "C1", "Alpha SARL", "2026-01-01", "2026-02-01", "500.00", "500.00", "EUR", "", "", "", ""],
    ["G-1", "C2", "Beta Ltd", "2026-01-01", "2026-02-08", "1234.56", "1234.56", "EUR", "pay@beta.example",
     "en", "", ""],
    [HOSTILE, "C3", "Gamma {{ 7*7 }}", "2026-01-01", "2026-02-06", "99.00", "99.00", "EUR", "g@gamma.example",
     "", "", ""],
    ["N-1", "C4", "Delta", "2026-02-01", "2026-03-01", "50.00", "50.00", "EUR", "d@delta.example", "", "",
     ""],
]  # fmt: skip
AS_OF = "2026-02-16"  # a Monday; planned as at noon in Paris, inside office hours


@pytest.fixture
def home(rpa_home: Path) -> Path:
    shutil.copytree(REPO / "config" / "templates", rpa_home / "config" / "templates")
    (rpa_home / "config" / "settings.toml").write_text('[mail]\nsender = "relances@durand.example"\n')
    (rpa_home / "config" / "bots" / "client_reminders.toml").write_text(
        '[company]\nname = "Durand SAS"\nemail = "compta@durand.example"\nsiren = "732829320"\n'
    )
    return rpa_home


def read_plan(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def read_eml(path: Path) -> EmailMessage:
    msg = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_plan_writes_plan_csv_and_one_email_per_customer(home: Path, tmp_path: Path) -> None:
    items = write_csv(tmp_path / "items.csv", HEADER, ROWS)
    out = tmp_path / "out"
    done = run_cli(home, "reminders", "plan", "--open-items", str(items), "--as-of", AS_OF, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "reminders as of 2026-02-16" in done.stdout and "approve" in done.stdout
    rows = read_plan(out / "plan.csv")
    assert tuple(rows[0]) == PLAN_HEADER == (
        "invoice", "customer_id", "level", "action", "reason", "days_overdue", "amount_due", "late_interest",
        "recovery_fee", "send_on",
    )  # fmt: skip
    noon = "2026-02-16T11:00:00+00:00"
    assert rows[1:] == [
        ["F-100", "C1", "formal_notice", "approve", "APPROVAL_REQUIRED", "32", "1200.00", "12.78", "40.00",
         noon],
        ["F-101", "C1", "second", "approve", "APPROVAL_REQUIRED", "15", "500.00", "0.00", "0.00", noon],
        ["G-1", "C2", "first", "send", "LEVEL_DUE", "8", "1234.56", "0.00", "0.00", noon],
        ["'" + HOSTILE, "C3", "first", "send", "LEVEL_DUE", "10", "99.00", "0.00", "0.00", noon],
        ["N-1", "C4", "", "skip", "NOT_DUE", "-13", "50.00", "0.00", "0.00", ""],
    ]  # fmt: skip
    emails = sorted(p.name for p in (out / "outbox").iterdir())
    assert emails == ["C1-formal_notice.eml", "C2-first.eml", "C3-first.eml"]

    notice = read_eml(out / "outbox" / "C1-formal_notice.eml")
    key = "reminder:C1:formal_notice:F-100+F-101"
    assert notice["Message-ID"] == message_id_for(key, "durand.example")
    assert (notice["From"], notice["To"], notice["Reply-To"]) == (
        "relances@durand.example", "ar@alpha.fr", "compta@durand.example",
    )  # fmt: skip
    assert notice["Subject"] == "Mise en demeure de payer – Alpha SARL"
    assert (notice["X-Reminder-Level"], notice["X-Reminder-Action"]) == ("formal_notice", "approve")
    text = notice.get_body(("plain",))
    html = notice.get_body(("html",))
    assert text is not None and html is not None
    body = text.get_content()
    assert "Facture F-100 " in body and "Facture F-101 " in body and "Durand SAS" in body
    assert "pénalités de retard 12,78\u00a0€ + indemnité forfaitaire 40,00\u00a0€" in body
    assert "<td>F-101</td>" in html.get_content()

    english = read_eml(out / "outbox" / "C2-first.eml")
    assert english["Subject"] == "Payment reminder: overdue invoice – Beta Ltd"
    assert english["Message-ID"] == message_id_for("reminder:C2:first:G-1", "durand.example")
    plain = english.get_body(("plain",))
    assert plain is not None and "€1,234.56" in plain.get_content()

    hostile = read_eml(out / "outbox" / "C3-first.eml")
    hostile_html = hostile.get_body(("html",))
    assert hostile_html is not None
    assert "Gamma {{ 7*7 }}" in hostile["Subject"] and "49" not in hostile_html.get_content()
    assert "=HYPERLINK(&#34;http://evil.example&#34;" in hostile_html.get_content()


def test_a_bad_row_is_reported_and_the_others_are_planned(home: Path, tmp_path: Path) -> None:
    bad = ["B-1", "C2", "Beta Ltd", "2026-01-01", "soon", "10.00", "10.00", "EUR", "", "", "", ""]
    items = write_csv(tmp_path / "items.csv", HEADER, [*ROWS, bad])
    out = tmp_path / "out"
    done = run_cli(home, "reminders", "plan", "--open-items", str(items), "--as-of", AS_OF, "--out", str(out))
    assert done.returncode == 1
    assert "items.csv row 7, column 'due_date': 'soon' is not a date" in done.stderr
    planned = [row[0] for row in read_plan(out / "plan.csv")[1:]]
    assert planned == ["F-100", "F-101", "G-1", "'" + HOSTILE, "N-1"]
    assert len(list((out / "outbox").glob("*.eml"))) == 3


def test_a_missing_file_exits_2_naming_it(home: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "items.csv"
    done = run_cli(home, "reminders", "plan", "--open-items", str(missing), "--as-of", AS_OF, "--out",
                   str(tmp_path / "out"))  # fmt: skip
    assert done.returncode == 2
    assert str(missing) in done.stderr and "OPEN_ITEMS_UNREADABLE" in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_file_without_a_usable_row_exits_2(home: Path, tmp_path: Path) -> None:
    row = ["X", "C1", "A", "2026-01-01", "never", "1", "1", "EUR", "", "", "", ""]
    items = write_csv(tmp_path / "items.csv", HEADER, [row])
    done = run_cli(home, "reminders", "plan", "--open-items", str(items), "--as-of", AS_OF, "--out",
                   str(tmp_path / "out"))  # fmt: skip
    assert done.returncode == 2
    assert "no usable row" in done.stderr and "row 2" in done.stderr


def test_missing_templates_exit_2_naming_the_folder(rpa_home: Path, tmp_path: Path) -> None:
    items = write_csv(tmp_path / "items.csv", HEADER, ROWS)
    done = run_cli(rpa_home, "reminders", "plan", "--open-items", str(items), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert str(rpa_home / "config" / "templates" / "reminders") in done.stderr


def test_planning_again_rewrites_the_outbox_with_the_same_message_ids(tmp_path: Path) -> None:
    items = write_csv(tmp_path / "items.csv", HEADER, ROWS)
    out = tmp_path / "out"
    config = ClientRemindersConfig()

    def plan(path: Path) -> PlanSummary:
        return plan_files(
            path, out, config=config, templates=REPO / "config" / "templates",
            sender="Relances <relances@durand.example>", as_of=date(2026, 2, 16),
            now=datetime(2026, 2, 16, 11, 0, tzinfo=UTC),
        )  # fmt: skip

    first = plan(items)
    ids = {p.name: read_eml(p)["Message-ID"] for p in first.eml_files}
    (out / "outbox" / "OLD-first.eml").write_bytes(b"stale")
    second = plan(write_csv(items, HEADER, ROWS[:3]))
    assert (first.emails, second.emails) == (3, 2)
    assert sorted(p.name for p in (out / "outbox").iterdir()) == ["C1-formal_notice.eml", "C2-first.eml"]
    assert {p.name: read_eml(p)["Message-ID"] for p in second.eml_files} == {
        name: ids[name] for name in ("C1-formal_notice.eml", "C2-first.eml")
    }
    assert second.actions == {"approve": 2, "send": 1}
    assert second.email_totals == (("EUR", first.email_totals[0][1] - 99),)
