"""The leader lock itself, on a real PostgreSQL: one holder; a silent holder loses it within the bound."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from rpa.store.db import Database
from scheduler.leader import LeaderLock

pytestmark = pytest.mark.postgres
TAKEOVER_S = 4.0


@pytest.fixture
def db(pg_url: str) -> Iterator[Database]:
    database = Database(pg_url)
    database.upgrade()
    yield database
    database.dispose()


def test_one_holder_at_a_time_and_a_clean_release_hands_over_at_once(db: Database) -> None:
    a, b = LeaderLock(db, TAKEOVER_S, "host-a:1"), LeaderLock(db, TAKEOVER_S, "host-b:2")
    try:
        assert a.try_acquire(datetime.now(UTC))
        assert not b.try_acquire(datetime.now(UTC))
        assert a.heartbeat() and a.fresh()
        a.release()
        assert b.try_acquire(datetime.now(UTC))
        assert b.previous_holder == "host-a:1"
        assert b.previous_heartbeat is not None
    finally:
        a.release()
        b.release()


def test_a_holder_that_goes_silent_loses_the_lock_within_the_bound(db: Database) -> None:
    """A hung or cut-off leader sends no heartbeat: the server ends its session (idle_session_timeout),
    the standby takes the lock, and the old holder knows it must step down."""
    a, b = LeaderLock(db, TAKEOVER_S, "host-a:1"), LeaderLock(db, TAKEOVER_S, "host-b:2")
    try:
        assert a.try_acquire(datetime.now(UTC))
        silent_since = time.monotonic()
        while not b.try_acquire(datetime.now(UTC)):
            assert time.monotonic() - silent_since < TAKEOVER_S + 5, "the standby never got the lock"
            time.sleep(b.retry_s)
        assert time.monotonic() - silent_since < TAKEOVER_S
        assert not a.fresh()
        assert not a.heartbeat()  # its session is gone: it cannot act as the leader any more
    finally:
        a.release()
        b.release()
