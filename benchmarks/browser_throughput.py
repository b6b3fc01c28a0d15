"""Payments posted per minute into the simulated ERP via its record-payment form (confirm dialog included).

Runtime: 1, 2 and 4 lanes, at 0 and 200 ms of server latency. Each lane is a worker thread with its own
BrowserSession (Playwright driver + Chromium): Playwright's sync API is bound to the thread that started it,
and two drivers sharing one Chromium over CDP answer each other's dialogs, so lanes never share a browser.
Lanes log in before the clock starts and take invoices from one shared queue; the runtime waits on the page
(auto-waiting locators), never on the clock. Tracing is on, as in production (trace_on_failure).

Baseline, measured in the same run: a naive sequential script with fixed sleeps (1 s after every action,
as recorded RPA scripts do), one browser, no waits on the page.

    python benchmarks/browser_throughput.py [--size N] [--baseline-size M]
"""

from __future__ import annotations

import argparse
import json
import queue
import tempfile
import threading
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect, sync_playwright
from pydantic import SecretStr

from legacy_apps.testing import RunningServer, running_server
from rpa.audit.evidence import EvidenceStore
from rpa.browser import BrowserSession, LoginFlow, fill_secret, goto, resolve_executable, step
from rpa.browser.dialogs import accept_dialog
from rpa.settings import BrowserSettings, LegacyAppSettings

LANES = (1, 2, 4)
LATENCIES_MS = (0, 200)
NAIVE_SLEEP_S = 1.0
LOGIN_FORM = "form[name=loginform]"


class ErpLogin:
    def is_login_page(self, page: Page) -> bool:
        return page.locator(LOGIN_FORM).count() > 0

    def login(self, page: Page, creds: LegacyAppSettings) -> None:
        page.locator("input[name=username]").fill(creds.username)
        fill_secret(page.locator("input[name=password]"), creds.password)
        page.locator(f"{LOGIN_FORM} input[type=submit]").click()
        page.wait_for_load_state()


def record_payment(page: Page, erp_url: str, number: str, day: date, reference: str) -> None:
    goto(page, f"{erp_url}/invoice/{number}", step_name=f"open invoice {number}")
    with step(page, "record payment", "#pay-submit"):
        page.locator("#pay-amount").fill("0.01")
        page.locator("#pay-date").fill(f"{day:%d/%m/%Y}")
        page.locator("#pay-reference").fill(reference)
        accept_dialog(page, lambda: page.locator("#pay-submit").click(), f"invoice {number}?")
        expect(page.locator(".info")).to_contain_text("recorded")


def accounting_date(server: RunningServer) -> date:
    """The ERP's accounting date, read from its home screen (payments cannot be dated after it)."""
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(resolve_executable(BrowserSettings())),
            args=list(BrowserSettings().extra_args),
        )
        page = browser.new_page()
        page.goto(f"{server.erp_url}/login")
        page.fill("input[name=username]", server.erp_user)
        page.fill("input[name=password]", server.erp_password)
        page.click(f"{LOGIN_FORM} input[type=submit]")
        page.goto(f"{server.erp_url}/home")
        text = page.locator("p", has_text="Accounting date").locator("b").inner_text()
        browser.close()
    return datetime.strptime(text, "%d/%m/%Y").date()


def open_invoices(server: RunningServer) -> list[str]:
    rows = httpx.get(f"{server.base_url}/_admin/erp/invoices", timeout=10).json()["invoices"]
    return [r["number"] for r in rows if Decimal(r["open_amount"]) > 0]


def posted(server: RunningServer, prefix: str) -> int:
    return sum(1 for p in server.erp_payments() if p["bank_reference"].startswith(prefix))


def run_lanes(
    server: RunningServer,
    creds: LegacyAppSettings,
    lanes: int,
    jobs: list[str],
    day: date,
    prefix: str,
    workdir: Path,
) -> dict[str, Any]:
    work: queue.Queue[tuple[int, str]] = queue.Queue()
    for i, number in enumerate(jobs):
        work.put((i, number))
    ready = threading.Barrier(lanes + 1)
    errors: list[str] = []
    settings = BrowserSettings()
    evidence = EvidenceStore(workdir / "evidence")

    def worker(n: int) -> None:
        with BrowserSession(settings, workdir=workdir / f"w{n}", evidence=evidence) as session:
            page = session.lane(f"w{n}").page
            flow = LoginFlow(ErpLogin(), creds)
            goto(page, f"{creds.url}/home")
            flow.ensure_logged_in(page)
            ready.wait()
            while True:
                try:
                    i, number = work.get_nowait()
                except queue.Empty:
                    return
                reference = f"{prefix}{i:04d}"
                try:
                    flow.run(page, lambda n=number, r=reference: record_payment(page, creds.url, n, day, r))
                except Exception as exc:  # counted and reported, the lane goes on
                    errors.append(str(exc)[:200])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(lanes)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    ready.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    done = posted(server, prefix)
    return {
        "lanes": lanes,
        "records": done,
        "errors": len(errors),
        "seconds": round(elapsed, 2),
        "startup_seconds": round(start - t0, 2),
        "records_per_minute": round(done / elapsed * 60, 1),
        "first_error": errors[0] if errors else None,
    }


def run_naive(server: RunningServer, jobs: list[str], day: date, prefix: str) -> dict[str, Any]:
    """A recorded-script style loop: every action followed by a fixed sleep, no waiting on the page."""
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(resolve_executable(BrowserSettings())),
            args=list(BrowserSettings().extra_args),
        )
        page = browser.new_page()
        page.on("dialog", lambda d: d.accept())
        page.goto(f"{server.erp_url}/login")
        page.fill("input[name=username]", server.erp_user)
        page.fill("input[name=password]", server.erp_password)
        page.click(f"{LOGIN_FORM} input[type=submit]")
        time.sleep(NAIVE_SLEEP_S)
        start = time.perf_counter()
        for i, number in enumerate(jobs):
            page.goto(f"{server.erp_url}/invoice/{number}")
            time.sleep(NAIVE_SLEEP_S)
            page.fill("#pay-amount", "0.01")
            time.sleep(NAIVE_SLEEP_S)
            page.fill("#pay-date", f"{day:%d/%m/%Y}")
            time.sleep(NAIVE_SLEEP_S)
            page.fill("#pay-reference", f"{prefix}{i:04d}")
            time.sleep(NAIVE_SLEEP_S)
            page.click("#pay-submit")
            time.sleep(NAIVE_SLEEP_S)
        elapsed = time.perf_counter() - start
        browser.close()
    done = posted(server, prefix)
    return {
        "records": done,
        "seconds": round(elapsed, 2),
        "records_per_minute": round(done / elapsed * 60, 1),
        "sleep_after_each_action_s": NAIVE_SLEEP_S,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=24, help="payments posted per runtime configuration")
    parser.add_argument("--baseline-size", type=int, default=6, help="payments posted by the naive script")
    args = parser.parse_args()
    result: dict[str, Any] = {
        "benchmark": "browser_throughput",
        "size": args.size,
        "baseline_size": args.baseline_size,
        "lanes": list(LANES),
        "latencies_ms": [],
        "unit": "records posted per minute (record-payment form with confirm dialog)",
    }
    with running_server(seed=42, faults="none", lines=200) as server, tempfile.TemporaryDirectory() as tmp:
        creds = LegacyAppSettings(
            url=server.erp_url, username=server.erp_user, password=SecretStr(server.erp_password)
        )
        day = accounting_date(server)
        invoices = open_invoices(server)
        for latency in LATENCIES_MS:
            server.set_faults(latency_ms=latency)
            entry: dict[str, Any] = {"latency_ms": latency, "runtime": []}
            for lanes in LANES:
                jobs = [invoices[(i * 7 + lanes) % len(invoices)] for i in range(args.size)]
                entry["runtime"].append(
                    run_lanes(
                        server,
                        creds,
                        lanes,
                        jobs,
                        day,
                        f"BL{latency}L{lanes}-",
                        Path(tmp) / f"l{latency}-{lanes}",
                    )
                )
            jobs = [invoices[(i * 11) % len(invoices)] for i in range(args.baseline_size)]
            entry["naive_baseline"] = run_naive(server, jobs, day, f"BN{latency}-")
            base = entry["naive_baseline"]["records_per_minute"]
            entry["speedup_vs_naive"] = {
                str(r["lanes"]): round(r["records_per_minute"] / base, 2) for r in entry["runtime"]
            }
            result["latencies_ms"].append(entry)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
