"""Run processes: start ``rpa run BOT --run-id N`` in its own process group, watch it, stop it on timeout.

When a process ends without finishing its run record, the record is closed here: ``interrupted`` if
the run had started, ``failed`` if it never did; a timed-out run is ``failed`` with a RUN_TIMEOUT error.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from loguru import logger

import rpa
from rpa.audit.trail import AuditTrail
from rpa.bot import RunStatus
from rpa.runs import close_unstarted, detect_interrupted, get_run, time_out
from rpa.settings import Settings
from rpa.store.db import Database
from scheduler.alerts import Alert, Alerter, Kind

# How a run process is started: (bot, run id, trigger) -> argv. The caller (the ``rpa`` command) gives it.
CommandBuilder = Callable[[str, int, str], list[str]]
TERM_GRACE_S = 5.0  # after SIGTERM a run gets this long to exit before SIGKILL
ALERTED = {RunStatus.FAILED, RunStatus.INTERRUPTED}


def child_env(settings: Settings) -> dict[str, str]:
    """The run process reads the same home, config and var as this process, and finds the same bots."""
    env = dict(os.environ)
    env.setdefault("COLUMNS", "200")  # the output goes to a log file: no wrapping at 80 columns
    env.update(
        {
            "RPA_HOME": str(settings.home),
            "RPA_CONFIG_DIR": str(settings.config_path),
            "RPA_VAR_DIR": str(settings.var_path),
        }
    )
    if settings.extra_bots:
        env["RPA_EXTRA_BOTS"] = json.dumps(list(settings.extra_bots))
    root = str(Path(rpa.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


@dataclass
class RunProcess:
    run_id: int
    bot: str
    schedule: str | None
    process: subprocess.Popen[bytes]
    timeout_s: float
    log_path: Path
    started: float = field(default_factory=time.monotonic)
    term_sent: float | None = None


class Supervisor:
    """Starts run processes and brings each to an end: in a watcher thread, or by blocking in ``wait``."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        clock: Callable[[], datetime],
        alerter: Alerter,
        *,
        poll_s: float = 0.2,
    ) -> None:
        self.settings, self.db, self.clock, self.alerter, self.poll_s = settings, db, clock, alerter, poll_s
        self.audit = AuditTrail("system:scheduler", clock)
        self._watched: list[RunProcess] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def spawn(
        self,
        bot: str,
        run_id: int,
        trigger: str,
        timeout_s: float,
        schedule: str | None,
        command: CommandBuilder,
    ) -> RunProcess:
        log_path = self.settings.var_path / "runs" / str(run_id) / "process.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            # Own session: the timeout kills the run and its children (Chromium) as one group.
            proc = subprocess.Popen(
                command(bot, run_id, trigger),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=child_env(self.settings),
                start_new_session=True,
            )
        logger.info("run {} of {} started as process {}", run_id, bot, proc.pid)
        return RunProcess(run_id, bot, schedule, proc, timeout_s, log_path)

    def watch(self, rp: RunProcess) -> None:
        with self._lock:
            self._watched.append(rp)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="run-supervisor", daemon=True)
                self._thread.start()

    def wait(self, rp: RunProcess) -> str:
        while True:
            status = self.step(rp)
            if status is not None:
                return status
            # Wait on the process itself, but at most 50 ms: each step also enforces the run's timeout
            # and notices a process that died without closing its record.
            with contextlib.suppress(subprocess.TimeoutExpired):
                rp.process.wait(timeout=0.05)

    def close(self) -> None:
        """Stop watching; run processes go on and finish their records themselves."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_s):
            with self._lock:
                current = list(self._watched)
            for rp in current:
                try:
                    done = self.step(rp) is not None
                except Exception as exc:  # one bad record must not stop watching the others
                    logger.opt(exception=exc).error("supervising run {} failed", rp.run_id)
                    done = True
                if done:
                    with self._lock:
                        self._watched.remove(rp)

    def step(self, rp: RunProcess) -> str | None:
        """Advance one run: None while it goes on, else its final status."""
        rc = rp.process.poll()
        now = time.monotonic()
        if rc is None and rp.term_sent is None and now - rp.started > rp.timeout_s:
            logger.warning(
                "run {} of {} exceeded {}s: stopping process {}",
                rp.run_id,
                rp.bot,
                rp.timeout_s,
                rp.process.pid,
            )
            _signal_group(rp.process, signal.SIGTERM)
            rp.term_sent = now
        elif rc is None and rp.term_sent is not None and now - rp.term_sent > TERM_GRACE_S:
            _signal_group(rp.process, signal.SIGKILL)
        if rc is None:
            return None
        if rp.term_sent is not None:
            _signal_group(rp.process, signal.SIGKILL)  # children of a stopped run (a browser) go too
        return self._finish(rp, rc)

    def _finish(self, rp: RunProcess, returncode: int) -> str:
        now = self.clock()
        if rp.term_sent is not None:
            status = time_out(self.db, self.audit, rp.run_id, now, timeout_s=rp.timeout_s, pid=rp.process.pid)
        else:
            error = (
                f"[RUN_PROCESS_EXITED] the run process exited with code {returncode} before the "
                f"run started: {_tail(rp.log_path)} (full output: {rp.log_path})"
            )
            status = close_unstarted(self.db, self.audit, rp.run_id, now, error, {"exit_code": returncode})
        if status == RunStatus.RUNNING:  # the process died mid-run: the kit's rule makes it interrupted
            detect_interrupted(self.db, self.audit, now, bot=rp.bot)
        run = get_run(self.db, rp.run_id)
        status = run.status
        logger.info("run {} of {} ended: {} (exit code {})", rp.run_id, rp.bot, status, returncode)
        if status in ALERTED:
            kind: Kind = "failed" if status == RunStatus.FAILED else "interrupted"
            if rp.term_sent is not None:
                kind = "timed_out"
            self.alerter.notify(
                Alert(
                    kind,
                    rp.bot,
                    (rp.run_id,),
                    f"run {rp.run_id} of {rp.bot} {status}: {run.error or ''}",
                    schedule=rp.schedule,
                )
            )
        return str(status)


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def _tail(path: Path, limit: int = 400) -> str:
    """The end of the process output: where the run process says why it stopped."""
    try:
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8", errors="replace").splitlines()]
    except OSError:
        return "no output"
    text = " ".join(ln for ln in lines[-6:] if ln)
    return text[-limit:] or "no output"
