"""An empty output path is rejected with one message before anything is written."""

from __future__ import annotations

import pytest

EMPTY_OUTPUT = [
    (("export", "events", "-o", ""), "The path '.' for the export is empty"),
    (
        ("cohort", "export", "--table", "learners", "-o", ""),
        "The path '.' for the export is empty",
    ),
    (("cohort", "report", "-o", ""), "The path '.' for the report is empty"),
    (("chart", "cohort", "-o", ""), "Cannot tell the chart format of ''"),
    (("chart", "funnel", "-o", ""), "Cannot tell the chart format of ''"),
    (("chart", "graph", "-o", ""), "Cannot tell the chart format of ''"),
    (("status", "--chart", ""), "Cannot tell the chart format of ''"),
]


@pytest.mark.parametrize(("args", "message"), EMPTY_OUTPUT)
def test_empty_output_path(run, args, message):
    run("complete", "introduction")
    before = run("export", "events").stdout
    result = run(*args, exit_code=2)
    assert result.stderr.startswith(f"Error: {message}")
    assert result.stdout == ""
    assert run("export", "events").stdout == before
