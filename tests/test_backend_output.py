"""The same events give byte-identical --json output on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from click.testing import CliRunner, Result

from tracker.cli import cli

# The commands that record the events, each run once against each backend.
# Times carry offsets and microseconds, so any difference in how a backend
# stores or returns an instant shows up in the output.
SETUP = [
    ("complete", "introduction", "--user", "ada", "--at", "2026-09-01T08:00:00+00:00"),
    ("complete", "setup", "--user", "ada", "--at", "2026-09-02T09:30:15.123456+02:00"),
    ("start", "tensor", "--user", "ada", "--at", "2026-09-03T23:59:59.999999-07:00"),
    ("complete", "00", "01", "--user", "Ben", "--at", "2026-09-04T12:00:00Z"),
    ("start", "tensor", "--user", "ben", "--at", "2026-09-05T06:15:00+05:30"),
    ("complete", "tensor", "--user", "ben", "--at", "2026-09-06T18:45:30.5+00:00"),
    ("start", "activations", "--user", "ben", "--at", "2026-09-07T10:00:00+00:00"),
    ("undo", "activations", "--user", "ben"),
    ("complete", "introduction", "--user", "Zoë", "--at", "2026-09-08T00:00:00+00:00"),
]

# Every read command with --json whose output must match byte for byte.
COMMANDS = [
    ("status", "--json"),
    ("status", "--json", "--user", "ben"),
    ("status", "--json", "--user", "zoë"),
    ("status", "--json", "--user", "nobody"),
    ("next", "--json"),
    ("next", "--json", "--user", "ben", "--goal", "training"),
    ("modules", "--json", "--user", "ben"),
    ("info", "cnn", "--json"),
    ("path", "--json", "--goal", "optimizers"),
]


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(cli, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def local_time_zone() -> Iterator[None]:
    """Run in a zone far from UTC, so that a naive time taken as local shows up."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/Sao_Paulo"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture
def both_backends(
    sqlite_url: str, postgres_url: str, local_time_zone: None
) -> tuple[str, str]:
    """A SQLite file and a PostgreSQL database holding the events of SETUP."""
    for url in (sqlite_url, postgres_url):
        for args in SETUP:
            invoke(*args, "--db", url)
    return sqlite_url, postgres_url


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_json_output_is_byte_identical(both_backends, args):
    sqlite_output, postgres_output = (
        invoke(*args, "--db", url).stdout_bytes for url in both_backends
    )
    assert sqlite_output == postgres_output


def test_times_come_back_in_utc(both_backends):
    for url in both_backends:
        output = invoke("status", "--json", "--db", url).stdout
        assert '"completed_at": "2026-09-02T07:30:15.123456+00:00"' in output
        assert '"started_at": "2026-09-04T06:59:59.999999+00:00"' in output
