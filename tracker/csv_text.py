"""Strict CSV reading, with error messages that explain how to fix the file."""

from __future__ import annotations

import csv
import io
from typing import Any


def strict_reader(text: str) -> Any:
    """Return a CSV reader that raises on an unclosed quote instead of reading on."""
    return csv.reader(io.StringIO(text, newline=""), strict=True)


def csv_problem(err: csv.Error) -> str:
    """Describe the problem in the CSV record that raised ``err``, with the fix."""
    if "unexpected end of data" in str(err):
        return (
            "a quoted cell that starts on this line is never closed. Add the "
            'closing double quote (write "" for a quote inside a cell).'
        )
    return f'this line is not valid CSV ({err}). Quote a cell that holds "," or ".'
