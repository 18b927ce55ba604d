"""Concurrent writers in separate processes, and a lock that cannot be taken."""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter, defaultdict

from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tracker.cli import cli
from tracker.db import open_database
from tracker.errors import OperationError
from tracker.models import Event, Learner, Module, Progress
from tracker.progress import record_events

WORKERS = 8
STEPS = 400
KINDS = ("started", "completed", "reset")
SHARED_LEARNERS = ("ana", "ben", "chloe", "dev")
SHARED_MODULES = ("setup", "tensor", "activations")
# Every second step of a worker goes to a learner of its own, cycling through
# start, complete and reset on one module, so each of those steps records.
PRIVATE_STEPS = STEPS // 2


def private_handle(worker: int) -> str:
    return f"solo{worker}"


def write_events(url: str, worker: int, start, results) -> None:  # type: ignore[no-untyped-def]
    """Record STEPS events from one process; report the sources of those stored.

    Runs in a spawned process. The shared steps pick learners, modules and
    kinds at random, so workers race on the same learner and module. A step
    that finds nothing to do stores nothing and is not reported.
    """
    recorded: list[str] = []
    try:
        start.wait(timeout=120)
        # Every worker opens the new database at once, so its schema and
        # catalog are created under contention too.
        database = open_database(url)
        rng = random.Random(worker)
        for step in range(STEPS):
            if step % 2 == 0:
                learner, module = private_handle(worker), "tensor"
                kind = KINDS[(step // 2) % len(KINDS)]
            else:
                learner = rng.choice(SHARED_LEARNERS)
                module = rng.choice(SHARED_MODULES)
                kind = rng.choice(KINDS)
            source = f"worker{worker}:{step}"
            try:
                outcomes = record_events(
                    database, learner, [module], kind, source=source
                )
            except OperationError:
                continue  # a reset of a module with no progress
            if outcomes[0].recorded:
                recorded.append(source)
        database.dispose()
        results.put((worker, recorded, None))
    except BaseException:  # noqa: BLE001 - the parent reports every failure
        results.put((worker, recorded, traceback.format_exc()))


def run_workers(url: str) -> dict[int, list[str]]:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(WORKERS)
    results = context.Queue()
    processes = [
        context.Process(target=write_events, args=(url, worker, start, results))
        for worker in range(WORKERS)
    ]
    for process in processes:
        process.start()
    reported = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    errors = [error for _, _, error in reported if error]
    assert errors == []
    assert [process.exitcode for process in processes] == [0] * WORKERS
    return {worker: recorded for worker, recorded, _ in reported}


STATE_AFTER = {"started": "in_progress", "completed": "completed", "reset": None}


def allowed(state: str | None, kind: str) -> bool:
    """Return whether a single writer would store ``kind`` in ``state``."""
    if kind == "started":
        return state is None
    if kind == "completed":
        return state != "completed"
    return state is not None


def fold(events: list[tuple]) -> tuple | None:
    """Return (status, started_at, completed_at) after events in time order."""
    state = None
    for kind, occurred in events:
        status, started, _ = state or (None, None, None)
        if kind == "reset":
            state = None
        elif kind == "started" and status != "completed":
            state = ("in_progress", started or occurred, None)
        elif kind == "completed" and status != "completed":
            state = ("completed", started, occurred)
    return state


def test_concurrent_writers_store_each_event_once(db_url):
    recorded = run_workers(db_url)

    for worker, sources in recorded.items():
        private = [s for s in sources if int(s.split(":")[1]) % 2 == 0]
        assert len(private) == PRIVATE_STEPS, f"worker {worker}"
    expected = Counter(source for sources in recorded.values() for source in sources)

    database = open_database(db_url, sync_catalog=False)
    with database.session() as session:
        stored = Counter(session.scalars(select(Event.source)))
        handles = sorted(session.scalars(select(Learner.handle)))
        modules = session.scalar(select(func.count()).select_from(Module))
        rows = session.execute(
            select(Learner.handle, Module.slug, Event.kind, Event.occurred_at)
            .join(Learner, Learner.id == Event.learner_id)
            .join(Module, Module.id == Event.module_id)
            .order_by(Event.occurred_at, Event.id)
        ).all()
        progress = {
            (handle, slug): (status, started, completed)
            for handle, slug, status, started, completed in session.execute(
                select(
                    Learner.handle,
                    Module.slug,
                    Progress.status,
                    Progress.started_at,
                    Progress.completed_at,
                )
                .join(Learner, Learner.id == Progress.learner_id)
                .join(Module, Module.id == Progress.module_id)
            )
        }
    database.dispose()

    assert len(stored) > WORKERS * PRIVATE_STEPS
    assert max(stored.values()) == 1
    assert stored == expected
    assert modules == 17
    assert handles == sorted([*SHARED_LEARNERS, *map(private_handle, range(WORKERS))])

    history: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for handle, slug, kind, occurred in rows:
        history[handle, slug].append((kind, occurred))
    for pair, events in history.items():
        state = None
        for kind, _ in events:
            assert allowed(state, kind), f"{pair}: {kind} after {state}"
            state = STATE_AFTER[kind]
    expected_progress = {
        pair: folded for pair, events in history.items() if (folded := fold(events))
    }
    assert progress == expected_progress


def hold_write_lock(db_url: str):  # type: ignore[no-untyped-def]
    """Open a second, real connection that holds the lock a writer needs."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        connection = sqlite3.connect(url.database, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        return connection.close
    engine = create_engine(url)
    connection = engine.connect()
    connection.execute(
        text("SELECT id FROM learners WHERE handle = 'ada' FOR UPDATE")
    ).all()

    def release() -> None:
        connection.rollback()
        connection.close()
        engine.dispose()

    return release


def count_events(db_url: str) -> int:
    database = open_database(db_url, sync_catalog=False)
    with database.session() as session:
        total = session.scalar(select(func.count()).select_from(Event))
    database.dispose()
    return total


def test_busy_database_exits_1(run, db_url, monkeypatch):
    run("complete", "introduction")
    monkeypatch.setenv("TT_PROGRESS_BUSY_TIMEOUT", "0.2")
    release = hold_write_lock(db_url)
    try:
        result = run("complete", "setup", exit_code=1)
    finally:
        release()
    assert "The database is busy" in result.stderr
    assert "Try again in a moment." in result.stderr
    assert count_events(db_url) == 1
    run("complete", "setup")
    assert count_events(db_url) == 2


def test_busy_database_in_a_real_process(run, db_url, monkeypatch):
    run("complete", "introduction")
    monkeypatch.setenv("TT_PROGRESS_BUSY_TIMEOUT", "0.2")
    release = hold_write_lock(db_url)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "tracker", "complete", "setup", "--db", db_url],
            capture_output=True,
            check=False,
            text=True,
            timeout=120,
        )
    finally:
        release()
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: The database is busy (")
    assert "another process holds its lock. Try again in a moment." in result.stderr
    assert "Traceback" not in result.stderr
    assert count_events(db_url) == 1


def test_table_lock_makes_reads_busy(postgres_url, monkeypatch):
    # A schema change holds an ACCESS EXCLUSIVE lock, which blocks readers
    # too. A read command waits TT_PROGRESS_BUSY_TIMEOUT for it.
    runner = CliRunner()
    runner.invoke(cli, ["complete", "introduction", "--db", postgres_url])
    monkeypatch.setenv("TT_PROGRESS_BUSY_TIMEOUT", "0.2")
    engine = create_engine(postgres_url)
    with engine.connect() as connection:
        connection.execute(text("LOCK TABLE progress IN ACCESS EXCLUSIVE MODE"))
        result = runner.invoke(cli, ["status", "--db", postgres_url])
        connection.rollback()
    engine.dispose()
    assert result.exit_code == 1
    assert "The database is busy" in result.stderr
    assert "Traceback" not in result.output
    after = runner.invoke(cli, ["status", "--db", postgres_url])
    assert "1/17 modules completed" in after.stdout


def test_busy_timeout_must_be_a_number(run, monkeypatch):
    monkeypatch.setenv("TT_PROGRESS_BUSY_TIMEOUT", "soon")
    result = run("status", exit_code=2)
    assert (
        "TT_PROGRESS_BUSY_TIMEOUT='soon' is not a number of seconds." in result.stderr
    )


def test_deadlock_victim_runs_again(postgres_url):
    """A transaction PostgreSQL aborts as a deadlock victim is run again."""
    database = open_database(postgres_url)
    record_events(database, "ana", ["introduction"], "completed")
    record_events(database, "ben", ["introduction"], "completed")
    engine = create_engine(postgres_url)
    other = engine.connect()
    lock = "SELECT id FROM learners WHERE handle = :handle FOR UPDATE"
    other.execute(text(lock), {"handle": "ben"}).all()

    def take_ana_later() -> None:
        # Starts waiting after the transaction below, so PostgreSQL's deadlock
        # check fires in that transaction first and aborts it.
        time.sleep(0.3)
        other.execute(text(lock), {"handle": "ana"}).all()
        other.rollback()

    attempts = []

    def work(session) -> None:  # type: ignore[no-untyped-def]
        attempts.append(len(attempts) + 1)
        session.execute(text(lock), {"handle": "ana"}).all()
        if len(attempts) == 1:
            threading.Thread(target=take_ana_later).start()
        session.execute(text(lock), {"handle": "ben"}).all()
        session.execute(
            text("UPDATE learners SET display_name = 'Ana' WHERE handle = 'ana'")
        )

    database.transaction(work)
    other.close()
    engine.dispose()

    assert attempts == [1, 2]
    with database.session() as session:
        name = session.scalar(
            select(Learner.display_name).where(Learner.handle == "ana")
        )
    database.dispose()
    assert name == "Ana"
