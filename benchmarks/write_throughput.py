"""Measure write throughput: events per second with concurrent writer processes.

Each writer is a separate process and a learner of its own. It records events
one transaction at a time through `tracker.progress.record_events`, as
``tt-progress start``/``complete``/``undo`` do, cycling through started,
completed and reset on one module. Throughput is whole-run: all events
divided by the time from the moment every writer is ready to the moment the
last one finishes. Opening the database (schema, catalog) happens before.

Run from a checkout with the package installed::

    python benchmarks/write_throughput.py

PostgreSQL runs use a database created for the run on 127.0.0.1 and dropped
afterwards; the server URL comes from --postgres-url or TT_TEST_POSTGRES_URL.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tracker.db import open_database
from tracker.models import Event
from tracker.progress import record_events

KINDS = ("started", "completed", "reset")
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADING = "## Write throughput"


@dataclass
class Run:
    """Repeated measurements of one backend with one number of writers."""

    backend: str
    writers: int
    events: int
    seconds: list[float]

    @property
    def rates(self) -> list[float]:
        return sorted(self.events / seconds for seconds in self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.rates)


def write(url: str, writer: int, events: int, ready, results) -> None:  # type: ignore[no-untyped-def]
    """Record ``events`` events as learner ``writer``, then report the start and end.

    A writer that fails reports its traceback instead, and breaks the barrier
    so that the others stop waiting for it.
    """
    try:
        database = open_database(url)
        handle = f"writer{writer}"
        ready.wait()
        started = time.time()
        for index in range(events):
            record_events(database, handle, ["tensor"], KINDS[index % len(KINDS)])
        finished = time.time()
        database.dispose()
        results.put((started, finished, None))
    except BaseException:  # noqa: BLE001 - the parent reports every failure
        ready.abort()
        results.put((0.0, 0.0, traceback.format_exc()))


def measure(url: str, writers: int, events: int) -> float:
    """Run ``writers`` processes at once and return the whole-run seconds."""
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(writers)
    results = context.Queue()
    processes = [
        context.Process(target=write, args=(url, writer, events, ready, results))
        for writer in range(writers)
    ]
    for process in processes:
        process.start()
    times = [results.get(timeout=3600) for _ in processes]
    for process in processes:
        process.join()
    errors = [error for _, _, error in times if error is not None]
    if errors:
        raise SystemExit(
            f"{len(errors)} writer processes failed; the first:\n{errors[0]}"
        )
    return max(end for _, end, _ in times) - min(start for start, _, _ in times)


def count_events(url: str) -> int:
    database = open_database(url, sync_catalog=False)
    with database.session() as session:
        total = session.scalar(select(func.count()).select_from(Event))
    database.dispose()
    return int(total or 0)


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="tt-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'progress.db'}"


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """Create a database for one run on the local server and drop it afterwards."""
    admin_url = make_url(server_url)
    if admin_url.host != "127.0.0.1":
        raise SystemExit(
            f"--postgres-url must point at 127.0.0.1, not {admin_url.host!r}: the "
            "benchmark creates and drops a database there."
        )
    name = f"ttp_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def measure_once(backend: str, writers: int, events: int, server_url: str) -> float:
    """Measure on a new database; check that every event was stored."""
    database = (
        sqlite_database() if backend == "sqlite" else postgres_database(server_url)
    )
    with database as url:
        open_database(url).dispose()
        seconds = measure(url, writers, events)
        stored = count_events(url)
    if stored != writers * events:
        raise SystemExit(
            f"{backend}: {stored} events stored, expected {writers * events}."
        )
    return seconds


def run_one(
    backend: str, writers: int, events: int, server_url: str, repeat: int
) -> Run:
    seconds = [
        measure_once(backend, writers, events, server_url) for _ in range(repeat)
    ]
    return Run(backend, writers, writers * events, seconds)


def postgres_version(server_url: str) -> str:
    engine = create_engine(server_url)
    with engine.connect() as connection:
        version = connection.execute(text("SHOW server_version")).scalar()
    engine.dispose()
    return str(version)


Load = tuple[float, float, float]


def machine(server_url: str | None, before: Load, after: Load) -> list[str]:
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kilobytes = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory = f"{kilobytes / 1024 / 1024:.1f} GiB"
    lines = [
        f"- CPUs (`nproc`): {len(os.sched_getaffinity(0))}",
        f"- memory: {memory}",
        f"- system: {platform.system()} {platform.release()} {platform.machine()}",
        f"- Python {platform.python_version()}",
        f"- SQLite {sqlite3.sqlite_version}",
        "- load average (1, 5, 15 min) before the run: "
        + ", ".join(f"{value:.2f}" for value in before)
        + "; after it, its own writers included: "
        + ", ".join(f"{value:.2f}" for value in after),
    ]
    if server_url:
        lines.append(f"- PostgreSQL {postgres_version(server_url)} on 127.0.0.1")
    return lines


def results_section(
    runs: list[Run],
    command: str,
    server_url: str | None,
    before: Load,
    after: Load,
) -> str:
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    lines = [
        HEADING,
        "",
        f"Measured on {date} with:",
        "",
        "```sh",
        command,
        "```",
        "",
        "Each writer is a process and a learner of its own, recording one event per",
        "transaction through `record_events`; events per second are whole-run (all",
        "events over the time from the moment every writer is ready to the moment",
        "the last one finishes). Other processes on the machine compete for the same",
        "cores, so compare runs made at a similar load average.",
        "",
        *machine(server_url, before, after),
        "",
        f"Each row is the median of {len(runs[0].seconds)} runs, each on a new database,",
        "with the lowest and highest rate beside it.",
        "",
        "| backend | writers | events per run | events/s (median) | events/s (range) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        lines.append(
            f"| {run.backend} | {run.writers} | {run.events} | {run.median:.0f} "
            f"| {run.rates[0]:.0f}-{run.rates[-1]:.0f} |"
        )
    return "\n".join(lines) + "\n"


def write_results(section: str, path: Path = RESULTS) -> None:
    """Replace the section under HEADING in RESULTS.md, or add it."""
    if not path.exists():
        path.write_text("# Benchmark results\n\n" + section)
        return
    text_before = path.read_text()
    if HEADING not in text_before:
        path.write_text(text_before.rstrip("\n") + "\n\n" + section)
        return
    start = text_before.index(HEADING)
    end = text_before.find("\n## ", start + len(HEADING))
    rest = "" if end == -1 else text_before[end + 1 :]
    path.write_text(text_before[:start] + section + ("\n" + rest if rest else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument(
        "--events", type=int, default=200, help="Events per writer (default 200)."
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="Runs per configuration (default 3)."
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TT_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="A PostgreSQL server on 127.0.0.1 to create the run's database on.",
    )
    parser.add_argument(
        "--no-postgres", action="store_true", help="Measure SQLite only."
    )
    parser.add_argument(
        "--no-write", action="store_true", help="Print only; leave RESULTS.md alone."
    )
    arguments = parser.parse_args()
    server_url = None if arguments.no_postgres else arguments.postgres_url
    backends = ["sqlite"] + ([] if server_url is None else ["postgresql"])

    before = os.getloadavg()
    runs = []
    print("backend     writers  events  events/s (median)  events/s (range)")
    for backend in backends:
        for writers in arguments.writers:
            run = run_one(
                backend, writers, arguments.events, server_url or "", arguments.repeat
            )
            runs.append(run)
            print(
                f"{run.backend:<10}  {run.writers:>7}  {run.events:>6}  "
                f"{run.median:>17.0f}  {run.rates[0]:>7.0f}-{run.rates[-1]:.0f}",
                flush=True,
            )
    if not arguments.no_write:
        command = "python benchmarks/write_throughput.py " + " ".join(sys.argv[1:])
        after = os.getloadavg()
        write_results(results_section(runs, command.strip(), server_url, before, after))
        print(f"Written to {RESULTS}")


if __name__ == "__main__":
    main()
