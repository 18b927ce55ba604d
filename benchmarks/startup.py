"""Time learner commands as whole processes beside two reference processes.

Each round runs, in turn: ``python -c "import sqlite3"`` (the interpreter
floor), ``core_reference.py`` (SQLAlchemy Core inserting one event and
computing one learner's status), ``tt-progress complete`` (a new learner each
round, so an event is really written) and ``tt-progress status``. Interleaving
the four in every round spreads the noise of a shared machine over all of
them. The script prints medians, peak memory and the ratios to the Core
reference, and records them in benchmarks/RESULTS.md.

Usage: python benchmarks/startup.py [--rounds N] [--no-record]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
HEADING = "## Learner command start-up"


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Run a command to completion; return (wall seconds, peak RSS in KiB)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited with {process.returncode}")
    return elapsed, usage.ru_maxrss


def measure(rounds: int) -> dict[str, tuple[float, int]]:
    executable = shutil.which("tt-progress", path=str(Path(sys.executable).parent))
    if executable is None:
        raise SystemExit(
            "tt-progress is not installed beside this Python: pip install ."
        )
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "TT_PROGRESS_HOME": folder, "TT_PROGRESS_USER": "bench"}
        database = Path(folder) / "progress.db"
        # One warm-up call creates the schema and syncs the catalog.
        run_once([executable, "complete", "introduction"], env)
        commands = {
            "python -c 'import sqlite3'": lambda i: [
                sys.executable,
                "-c",
                "import sqlite3",
            ],
            "SQLAlchemy Core reference": lambda i: [
                sys.executable,
                str(HERE / "core_reference.py"),
                str(database),
                f"core-{i}",
            ],
            "tt-progress complete": lambda i: [
                executable,
                "complete",
                "tensor",
                "--user",
                f"learner-{i}",
            ],
            "tt-progress status": lambda i: [executable, "status"],
        }
        samples: dict[str, list[tuple[float, int]]] = {name: [] for name in commands}
        for index in range(rounds):
            for name, build in commands.items():
                samples[name].append(run_once(build(index), env))
    return {
        name: (
            statistics.median(t for t, _ in values),
            max(m for _, m in values),
        )
        for name, values in samples.items()
    }


def machine() -> str:
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split("\n")[0].split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB memory"
    import sqlalchemy

    return (
        f"{platform.machine()}, {os.cpu_count()} cores{memory}, {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}, SQLite "
        f"{sqlite3.sqlite_version}, SQLAlchemy {sqlalchemy.__version__}"
    )


def report(results: dict[str, tuple[float, int]], rounds: int) -> str:
    reference = results["SQLAlchemy Core reference"][0]
    lines = [
        "| process | median wall time | peak RSS | ratio to Core reference |",
        "| --- | --- | --- | --- |",
    ]
    for name, (seconds, peak) in results.items():
        lines.append(
            f"| {name} | {seconds * 1000:.0f} ms | {peak / 1024:.0f} MiB "
            f"| {seconds / reference:.2f}x |"
        )
    return "\n".join(lines) + f"\n\n{rounds} interleaved rounds; medians."


def record(text: str) -> None:
    body = (
        f"{HEADING}\n\n"
        f"Machine: {machine()}.\n"
        f"Command: `python benchmarks/startup.py` (recorded "
        f"{time.strftime('%Y-%m-%d', time.gmtime())}).\n\n{text}\n"
    )
    current = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    if HEADING in current:
        start = current.index(HEADING)
        following = current.find("\n## ", start + len(HEADING))
        end = following + 1 if following != -1 else len(current)
        current = (
            current[:start] + body + ("\n" if following != -1 else "") + current[end:]
        )
    else:
        current = current.rstrip("\n") + "\n\n" + body
    RESULTS.write_text(current)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--no-record", action="store_true")
    options = parser.parse_args()
    results = measure(options.rounds)
    text = report(results, options.rounds)
    print(text)
    if not options.no_record:
        record(text)
        print(f"\nRecorded in {RESULTS}")


if __name__ == "__main__":
    main()
