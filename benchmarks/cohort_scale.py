"""Measure the instructor commands on a generated cohort of 100,000 learners.

Run from the repository root, in the project's virtual environment:

    python benchmarks/cohort_scale.py [--learners 100000] [--seed 7] [--no-write]

It generates about ten events per learner: a start and a completion for each
module done, in learning order, and a start for the module in progress. It
imports them from a CSV file with ``tt-progress import events`` into a new
SQLite database in a temporary folder and adds every learner to one cohort
from a roster. Then it times ``cohort status`` and ``cohort learners --json``
as real processes. The figures are printed and written to
benchmarks/RESULTS.md under "## Cohort scale", replacing an earlier section
of that name.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
HEADING = "## Cohort scale"
# The bundled catalog in learning order, with the hours a module takes in the
# generated data: the middle of its estimate, and 20 for capstone, which has none.
MODULES = [
    ("introduction", 1.5),
    ("setup", 1.5),
    ("tensor", 5),
    ("activations", 3.5),
    ("layers", 4.5),
    ("dataloader", 5.5),
    ("dense", 5.5),
    ("spatial", 7),
    ("attention", 4.5),
    ("autograd", 9),
    ("optimizers", 7),
    ("training", 9),
    ("compression", 9),
    ("kernels", 9),
    ("benchmarking", 4.5),
    ("mlops", 9),
    ("capstone", 20),
]


def generate(path: Path, learners: int, seed: int) -> int:
    """Write the events CSV and return its number of events."""
    rng = random.Random(seed)
    end = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)
    events = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user", "module", "kind", "time"])
        for number in range(learners):
            user = f"learner{number:06d}"
            done = min(len(MODULES), int(rng.expovariate(1 / 5.3)))
            when = end - timedelta(days=rng.uniform(10, 150))
            for index, (slug, hours) in enumerate(MODULES):
                if index > done or when >= end:
                    break
                writer.writerow([user, slug, "started", when.isoformat()])
                events += 1
                if index == done:
                    break  # the module in progress
                when += timedelta(
                    hours=hours * rng.uniform(0.5, 3.0) + rng.uniform(0, 48)
                )
                if when >= end:
                    break
                writer.writerow([user, slug, "completed", when.isoformat()])
                events += 1
                when += timedelta(hours=rng.uniform(1, 72))
    return events


@dataclass
class Timing:
    """One run of a command: wall time, CPU time of the process, its output."""

    wall: float
    cpu: float
    output: str

    def __str__(self) -> str:
        return f"{self.wall:.2f} s wall, {self.cpu:.2f} s CPU"


def run(*args: str, env: dict[str, str]) -> Timing:
    """Run tt-progress in a new process and time it."""
    executable = Path(sys.executable).parent / "tt-progress"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [str(executable), *args], env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"tt-progress {' '.join(args)} failed:\n{result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(elapsed, cpu, result.stdout)


def best_of(count: int, *args: str, env: dict[str, str]) -> Timing:
    """Return the run with the least wall time out of ``count``."""
    runs = [run(*args, env=env) for _ in range(count)]
    return min(runs, key=lambda timing: timing.wall)


def machine() -> list[str]:
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        match = re.search(r"MemTotal:\s+(\d+) kB", meminfo.read_text())
        if match:
            memory = f"{int(match.group(1)) / 1024**2:.1f} GiB"
    return [
        (
            f"- machine: {os.cpu_count()} CPUs (nproc), {memory} memory, "
            f"{platform.machine()}, {platform.system()} {platform.release()}"
        ),
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
    ]


def load() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def measure(learners: int, seed: int) -> list[str]:
    load_before = load()
    with tempfile.TemporaryDirectory(prefix="tt-scale-") as folder:
        work = Path(folder)
        database = work / "progress.db"
        env = {
            **os.environ,
            "TT_PROGRESS_DB": str(database),
            "TT_PROGRESS_HOME": str(work / "home"),
        }
        events_csv = work / "events.csv"
        started = time.perf_counter()
        events = generate(events_csv, learners, seed)
        generated = time.perf_counter() - started
        print(
            f"generated {events:,} events for {learners:,} learners in {generated:.1f} s"
        )

        run("db", "upgrade", env=env)
        imported = run("import", "events", str(events_csv), env=env)
        print(imported.output.strip())
        roster = work / "roster.csv"
        roster.write_text(
            "handle\n" + "".join(f"learner{n:06d}\n" for n in range(learners))
        )
        run("cohort", "create", "scale", env=env)
        rostered = run("cohort", "add", "scale", "--roster", str(roster), env=env)
        again = run("import", "events", str(events_csv), env=env)
        if not again.output.startswith("Stored 0 new events"):
            raise SystemExit(f"The second import stored events: {again.output}")
        size = database.stat().st_size + _wal_size(database)
        csv_size = events_csv.stat().st_size

        status_all = best_of(3, "cohort", "status", env=env)
        status_cohort = best_of(3, "cohort", "status", "--cohort", "scale", env=env)
        learners_json = best_of(3, "cohort", "learners", "--json", env=env)
        stuck = best_of(3, "cohort", "stuck", "--days", "30", env=env)
        baseline = best_of(3, "path", env=env)
    megabytes = len(learners_json.output.encode()) / 1024**2
    lines = [
        (
            f"- load average (1, 5, 15 min) before and after: {load_before}; "
            f"{load()} (other processes on the machine share its CPUs, so the "
            "CPU times vary less than the wall times)"
        ),
        f"- cohort: {learners:,} learners, {events:,} events (seed {seed}), SQLite file",
        (
            f"- `import events` of the generated CSV ({csv_size / 1024**2:.0f} MiB): "
            f"{imported}, {events / imported.wall:,.0f} events/s of wall time "
            "(parse, validate, insert, rebuild the progress table)"
        ),
        f"- importing the same file again: {again}, 0 new events stored",
        f"- `cohort add --roster` with {learners:,} handles: {rostered}",
        f"- database size after import: {size / 1024**2:.0f} MiB",
        f"- `cohort status`: {status_all} (all learners)",
        f"- `cohort status --cohort scale`: {status_cohort}",
        f"- `cohort learners --json`: {learners_json} ({megabytes:.1f} MiB of JSON)",
        (
            f"- `cohort stuck --days 30`: {stuck}, listing "
            f"{len(stuck.output.splitlines()) - 2:,} rows (most generated learners "
            "have been idle for over 30 days)"
        ),
        (
            "- `tt-progress path`, for the cost of starting a process and opening "
            f"the database: {baseline}"
        ),
    ]
    return lines


def _wal_size(database: Path) -> int:
    wal = database.with_name(database.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def write_results(lines: list[str], command: str) -> None:
    section = "\n".join(
        [
            HEADING,
            "",
            "Each command runs as a new process; the query commands are the best",
            f"of three runs by wall time. Measured by `{command}`.",
            "",
            *machine(),
            *lines,
            "",
        ]
    )
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(
        rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE
    )
    if pattern.search(text):
        text = pattern.sub(section + "\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    RESULTS.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-write", action="store_true", help="Only print.")
    options = parser.parse_args()
    lines = measure(options.learners, options.seed)
    print("\n".join(machine() + lines))
    if not options.no_write:
        command = "python benchmarks/cohort_scale.py"
        if options.learners != 100_000 or options.seed != 7:
            command += f" --learners {options.learners} --seed {options.seed}"
        write_results(lines, command)
        print(f"Written to {RESULTS}")


if __name__ == "__main__":
    main()
