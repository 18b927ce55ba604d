"""The installed ``tt-progress`` executable, run as a real process."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("matplotlib", "networkx", "alembic")


def executable() -> str:
    found = shutil.which("tt-progress", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("tt-progress is not installed beside this Python.")
    return found


def run_installed(*args: str, env: dict[str, str], importtime: bool = False):
    command = [executable(), *args]
    if importtime:
        command = [sys.executable, "-X", "importtime", *command]
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {
        **os.environ,
        "TT_PROGRESS_HOME": str(tmp_path / "home"),
        "TT_PROGRESS_USER": "ada",
    }


def imported_modules(stderr: str) -> set[str]:
    names = set()
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+\d+ \|\s*(\S+)", line)
        if match:
            names.add(match.group(1).split(".")[0])
    return names


def test_complete_and_status_with_chart(env, tmp_path):
    completed = run_installed("complete", "tensor", env=env)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "Completed 'tensor'.\n"
    chart = tmp_path / "progress.png"
    status = run_installed("status", "--chart", str(chart), env=env)
    assert status.returncode == 0, status.stderr
    assert "02  tensor        completed" in status.stdout
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_python_dash_m(env):
    result = subprocess.run(
        [sys.executable, "-m", "tracker", "path"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "capstone" in result.stdout


def test_bad_input_exits_2_without_traceback(env):
    result = run_installed("complete", "tensr", env=env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "Did you mean 'tensor'?" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("complete", "tensor"),
        ("status",),
        ("next",),
        ("modules",),
        ("status", "--json"),
    ],
)
def test_learner_commands_skip_heavy_imports(env, args):
    # The first run creates the schema and syncs the catalog, which may
    # import everything; the measured run finds both done.
    assert run_installed("status", env=env).returncode == 0
    result = run_installed(*args, env=env, importtime=True)
    assert result.returncode == 0, result.stderr
    imported = imported_modules(result.stderr)
    assert "sqlalchemy" in imported
    for name in HEAVY:
        assert name not in imported, f"'{' '.join(args)}' imported {name}"


def test_first_run_may_import_alembic(env):
    result = run_installed("status", env=env, importtime=True)
    assert result.returncode == 0, result.stderr
    assert "alembic" in imported_modules(result.stderr)
