"""The same events give byte-identical output on SQLite and PostgreSQL.

The learner commands' --json, the cohort tables' --json and every export are
compared byte for byte, after the same commands ran against each backend.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tracker.cli import cli

# The commands that record the events, each run once against each backend.
# Times carry offsets and microseconds, so any difference in how a backend
# stores or returns an instant shows up in the output. A time without an
# offset is local time, here America/Sao_Paulo (see local_time_zone).
SETUP = [
    ("complete", "introduction", "--user", "ada", "--at", "2026-09-01T08:00:00+00:00"),
    ("complete", "setup", "--user", "ada", "--at", "2026-09-02T09:30:15.123456+02:00"),
    ("start", "tensor", "--user", "ada", "--at", "2026-09-03T23:59:59.999999-07:00"),
    ("complete", "00", "01", "--user", "Ben", "--at", "2026-09-04T12:00:00Z"),
    ("start", "tensor", "--user", "ben", "--at", "2026-09-05T06:15:00+05:30"),
    ("complete", "tensor", "--user", "ben", "--at", "2026-09-06T18:45:30.5+00:00"),
    ("start", "activations", "--user", "ben", "--at", "2026-09-07T10:00:00+00:00"),
    ("complete", "introduction", "--user", "Zoë", "--at", "2026-09-08T00:00:00+00:00"),
    ("start", "setup", "--user", "zoë", "--at", "2026-09-08T21:10:05.25"),
    ("complete", "setup", "--user", "zoë", "--at", "2026-09-10T03:04:05.678901+05:45"),
    ("start", "tensor", "--user", "zoë", "--at", "2026-11-29T23:30:00.000001-03:00"),
    ("start", "activations", "--user", "ada", "--at", "2026-10-01T12:00:00.1-09:30"),
    # Byte order puts "zof" before "zoë" and "ärger" last; English puts "ärger"
    # first and "zoë" before "zof".
    (
        "complete",
        "introduction",
        "--user",
        "Ärger",
        "--at",
        "2026-09-11T10:00:00+01:00",
    ),
    ("start", "introduction", "--user", "zof", "--at", "2026-09-12T10:00:00.5-01:00"),
]
# One event per module named in SETUP.
CLI_EVENTS = 15

# Events imported from a file with their uids, so that the event exports of
# these learners are identical too. The rows without a uid get one derived
# from their content, the same on both backends. The reset is imported
# because ``undo`` takes no --at and records the current time.
IMPORTED = [
    {
        "uid": "d3b07384-d9a7-4c3b-9f1b-0a1b2c3d4e01",
        "user": "cy",
        "module": "introduction",
        "kind": "started",
        "time": "2026-08-30T22:15:00.123+01:00",
        "source": "laptop",
    },
    {
        "uid": "d3b07384-d9a7-4c3b-9f1b-0a1b2c3d4e02",
        "user": "cy",
        "module": "introduction",
        "kind": "completed",
        "time": "2026-08-31T01:45:59.876543-04:00",
        "source": "laptop",
    },
    {
        "uid": "d3b07384-d9a7-4c3b-9f1b-0a1b2c3d4e03",
        "user": "cy",
        "module": "setup",
        "kind": "started",
        "time": "2026-09-02T10:00:00.5+09:00",
        "source": "laptop",
    },
    {
        "uid": "d3b07384-d9a7-4c3b-9f1b-0a1b2c3d4e04",
        "user": "dee",
        "module": "introduction",
        "kind": "completed",
        "time": "2026-09-03T12:00:00.000001Z",
    },
    {
        "user": "dee",
        "module": "setup",
        "kind": "started",
        "time": "2026-09-04T06:07:08.090807",
    },
    {
        "user": "ben",
        "module": "activations",
        "kind": "reset",
        "time": "2026-09-07T18:00:00.75+02:00",
    },
]

COHORTS = [
    ("cohort", "create", "fall"),
    ("cohort", "add", "fall", "ada", "ben", "zoë", "zof", "ärger"),
    ("cohort", "create", "evening"),
    ("cohort", "add", "evening", "cy", "dee", "eve"),
    ("cohort", "create", "Spring"),
]

# Every read command whose output must match byte for byte. None uses
# "stuck --days 0", which would list "eve", who has no events, with the time
# each database stored her.
COMMANDS = [
    ("status", "--json"),
    ("status", "--json", "--user", "ben"),
    ("status", "--json", "--user", "zoë"),
    ("status", "--json", "--user", "cy"),
    ("status", "--json", "--user", "nobody"),
    ("next", "--json"),
    ("next", "--json", "--user", "ben", "--goal", "training"),
    ("next", "--json", "--user", "dee"),
    ("modules", "--json", "--user", "ben"),
    ("info", "cnn", "--json"),
    ("path", "--json", "--goal", "optimizers"),
    ("overview", "--json"),
    ("cohort", "status", "--json"),
    ("cohort", "status", "--json", "--cohort", "fall"),
    ("cohort", "status", "--json", "--sort", "median", "--reverse"),
    ("cohort", "status", "--json", "--sort", "in_progress"),
    ("cohort", "learners", "--json"),
    ("cohort", "learners", "--json", "--cohort", "evening"),
    ("cohort", "learners", "--json", "--sort", "last_activity"),
    ("cohort", "learners", "--json", "--sort", "hours_remaining", "--reverse"),
    ("cohort", "learners", "--json", "--sort", "next"),
    ("cohort", "stuck", "--json"),
    ("cohort", "stuck", "--json", "--days", "1", "--factor", "1"),
    ("cohort", "stuck", "--json", "--cohort", "fall", "--days", "90"),
    ("cohort", "export", "--table", "learners", "--format", "json"),
    ("cohort", "export", "--table", "modules", "--format", "json"),
    ("cohort", "export", "--table", "learners", "--format", "csv"),
    ("cohort", "export", "--table", "modules", "--format", "csv", "--cohort", "fall"),
    (
        "cohort",
        "export",
        "--table",
        "events",
        "--format",
        "json",
        "--cohort",
        "evening",
    ),
    ("cohort", "export", "--table", "events", "--format", "csv", "--cohort", "evening"),
    ("export", "events", "--format", "jsonl", "--cohort", "evening"),
    ("export", "events", "--format", "csv", "--cohort", "evening"),
]

UID = r'"uid": "[0-9a-f-]{36}"'


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
    sqlite_url: str, postgres_url: str, local_time_zone: None, tmp_path: Path
) -> tuple[str, str]:
    """A SQLite file and a PostgreSQL database holding the same events and cohorts.

    The events of cohort "fall" were recorded with the command line, which
    gives each event a new random uid. Those of cohort "evening" were imported
    with their uids, and its learner "eve" has none.
    """
    events = tmp_path / "events.jsonl"
    events.write_text("".join(json.dumps(row) + "\n" for row in IMPORTED))
    for url in (sqlite_url, postgres_url):
        for args in SETUP:
            invoke(*args, "--db", url)
        invoke("import", "events", str(events), "--db", url)
        for args in COHORTS:
            invoke(*args, "--db", url)
    return sqlite_url, postgres_url


def outputs(urls: tuple[str, str], *args: str) -> tuple[bytes, bytes]:
    sqlite_url, postgres_url = urls
    return (
        invoke(*args, "--db", sqlite_url).stdout_bytes,
        invoke(*args, "--db", postgres_url).stdout_bytes,
    )


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_output_is_byte_identical(both_backends, args):
    sqlite_output, postgres_output = outputs(both_backends, *args)
    assert sqlite_output.strip() not in (b"", b"[]", b"{}")
    assert sqlite_output == postgres_output


def test_imported_events_keep_their_uids(both_backends):
    for output in outputs(
        both_backends, "export", "events", "--format", "jsonl", "--cohort", "evening"
    ):
        uids = [json.loads(line)["uid"] for line in output.splitlines()]
        assert uids[:4] == [row["uid"] for row in IMPORTED[:4]]
        assert len(uids) == 5


def mask_cli_uids(output: bytes) -> tuple[bytes, int]:
    """Replace the uid of each event recorded by the command line with a mark."""
    lines = output.decode().splitlines(keepends=True)
    count = 0
    for index, line in enumerate(lines):
        if '"source": "cli"' in line:
            lines[index], replaced = re.subn(UID, '"uid": "<random>"', line)
            count += replaced
    return "".join(lines).encode(), count


@pytest.mark.parametrize(
    "args",
    [
        ("cohort", "export", "--table", "events", "--format", "json"),
        ("export", "events", "--format", "jsonl"),
    ],
    ids=" ".join,
)
def test_event_log_differs_only_in_new_uids(both_backends, args):
    # Each database gave the events it recorded a new random uid. Every other
    # byte of the log, order included, is the same.
    sqlite_output, postgres_output = outputs(both_backends, *args)
    assert sqlite_output != postgres_output
    sqlite_masked, sqlite_count = mask_cli_uids(sqlite_output)
    postgres_masked, postgres_count = mask_cli_uids(postgres_output)
    assert sqlite_count == postgres_count == CLI_EVENTS
    assert sqlite_masked == postgres_masked
    assert sqlite_output.count(b'"uid"') == CLI_EVENTS + len(IMPORTED)


def test_cohort_list_differs_only_in_creation_time(both_backends):
    sqlite_output, postgres_output = outputs(both_backends, "cohort", "list", "--json")
    created = r'"created_at": "[^"]+"'
    sqlite_masked, sqlite_count = re.subn(created, "<now>", sqlite_output.decode())
    postgres_masked, postgres_count = re.subn(
        created, "<now>", postgres_output.decode()
    )
    assert sqlite_count == postgres_count == 3
    assert sqlite_masked == postgres_masked


def test_times_come_back_in_utc(both_backends):
    for url in both_backends:
        ada = invoke("status", "--json", "--db", url).stdout
        assert '"completed_at": "2026-09-02T07:30:15.123456+00:00"' in ada
        assert '"started_at": "2026-09-04T06:59:59.999999+00:00"' in ada
        assert '"started_at": "2026-10-01T21:30:00.100000+00:00"' in ada
        zoe = invoke("status", "--json", "--user", "zoë", "--db", url).stdout
        # 21:10:05.25 in Sao Paulo (UTC-3) and 03:04:05.678901 at UTC+05:45.
        assert '"started_at": "2026-09-09T00:10:05.250000+00:00"' in zoe
        assert '"completed_at": "2026-09-09T21:19:05.678901+00:00"' in zoe
        assert '"started_at": "2026-11-30T02:30:00.000001+00:00"' in zoe
        events = invoke(
            "export", "events", "--format", "jsonl", "--cohort", "evening", "--db", url
        ).stdout
        assert '"time": "2026-09-03T12:00:00.000001+00:00"' in events
        assert '"time": "2026-09-04T09:07:08.090807+00:00"' in events


# Two instants 450.0005 seconds apart: a median measured to the millisecond
# only would round to a different number of hours.
SUB_MILLISECOND = [
    ("start", "introduction", "--user", "ada", "--at", "2026-09-01T10:00:00.000400Z"),
    ("complete", "introduction", "--user", "ada", "--at", "2026-09-01T10:07:30.0009Z"),
]


def test_sub_millisecond_median_matches(sqlite_url, postgres_url):
    for url in (sqlite_url, postgres_url):
        for args in SUB_MILLISECOND:
            invoke(*args, "--db", url)
    sqlite_output, postgres_output = outputs(
        (sqlite_url, postgres_url), "cohort", "status", "--json"
    )
    assert sqlite_output == postgres_output
