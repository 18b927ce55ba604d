"""A self-contained HTML report of a cohort: tables, stuck learners and charts.

The file has no network reference. The style sheet is inline and the charts
are inline SVG, with the heatmap's pixels as a PNG data URI inside the SVG.
So it opens offline in any browser, and a print style keeps rows whole.
"""

from __future__ import annotations

import html
import io
import re
from datetime import datetime, timezone
from pathlib import Path

from matplotlib.figure import Figure

from .charts import plain_text
from .cohort import (
    CohortStatus,
    LearnerRow,
    StuckLearner,
    cohort_matrix,
    cohort_status,
    stuck_learners,
)
from .cohort_charts import completion_funnel, state_heatmap
from .db import Database, utcnow
from .output_files import check_folder, replace_when_done

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #1c2833; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #ccd1d1; }
table { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0; }
th, td { padding: 0.25em 0.6em; border-bottom: 1px solid #e5e8e8; text-align: left; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
thead th { background: #f4f6f6; }
figure { margin: 1em 0; }
figure svg { max-width: 100%; height: auto; }
p.summary { color: #566573; }
@media print {
  body { margin: 0; font-size: 10pt; }
  h2 { break-after: avoid; }
  tr, figure { break-inside: avoid; }
  thead { display: table-header-group; }
}
"""


def _cell(value: object, number: bool = False) -> str:
    text = "" if value is None else str(value)
    css = ' class="number"' if number else ""
    return f"<td{css}>{html.escape(text)}</td>"


def _table(
    headers: list[str], rows: list[list[object]], numeric: set[int], css: str
) -> str:
    head = "".join(
        f"<th{' class=number' if i in numeric else ''}>{html.escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = "\n".join(
        f'<tr class="{css}">'
        + "".join(_cell(value, i in numeric) for i, value in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return (
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"
    )


def _hours(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return "-"
    return f"{low:g} h" if low == high else f"{low:g}-{high:g} h"


def _when(value: datetime | None) -> str:
    return (
        value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if value else "-"
    )


def inline_svg(figure: Figure, prefix: str) -> str:
    """Return a figure as an ``<svg>`` element whose ids all start with ``prefix``.

    The prefix keeps the ids of two charts in one page from colliding.
    """
    buffer = io.StringIO()
    with plain_text():
        figure.savefig(
            buffer,
            format="svg",
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
        )
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", text)
    return re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', text)


def build_report(
    database: Database,
    cohort: str | None = None,
    days: int = 14,
    now: datetime | None = None,
) -> str:
    """Return the report of a cohort (default: every learner) as one HTML page."""
    now = now or utcnow()
    status = cohort_status(database, cohort)
    modules, learners = cohort_matrix(database, cohort)
    stuck = stuck_learners(database, cohort, days=days, now=now)
    scope = f"cohort {status.cohort}" if status.cohort else "all learners"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>TinyTorch progress: {html.escape(scope)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>TinyTorch progress: {html.escape(scope)}</h1>",
        (
            f'<p class="summary">Generated {_when(now)}. '
            f'<span id="learner-count">{status.learners}</span> learners, '
            f'<span id="module-count">{len(status.modules)}</span> modules.</p>'
        ),
        "<h2>Modules</h2>",
        _module_table(status),
        "<h2>Learners</h2>",
        _learner_table(learners),
        f"<h2>Stuck learners (no event in {days} days, or slow on a module)</h2>",
        _stuck_table(stuck),
        "<h2>Charts</h2>",
        '<figure id="heatmap">',
        inline_svg(state_heatmap(modules, learners, status.cohort), "heatmap"),
        (
            "<figcaption>Each learner's state on each module, in learning order."
            "</figcaption></figure>"
        ),
        '<figure id="funnel">',
        inline_svg(completion_funnel(status), "funnel"),
        "<figcaption>Learners who completed each module.</figcaption></figure>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _module_table(status: CohortStatus) -> str:
    rows: list[list[object]] = [
        [
            f"{m.number:02d}" if m.number is not None else "--",
            m.slug,
            m.completed,
            m.in_progress,
            m.ready,
            m.locked,
            f"{m.percent:g}%",
            f"{m.median_hours:g} h" if m.median_hours is not None else "-",
            _hours(m.hours_low, m.hours_high),
        ]
        for m in status.modules
    ]
    headers = [
        "#",
        "module",
        "completed",
        "in progress",
        "ready",
        "locked",
        "done",
        "median time",
        "estimate",
    ]
    return _table(headers, rows, {2, 3, 4, 5, 6, 7}, "module")


# NOTE: every learner gets a row of about 200 bytes, so the page of a cohort of
# 100,000 learners comes to an estimated 20 MB. Nothing pages or truncates it.
def _learner_table(learners: list[LearnerRow]) -> str:
    rows: list[list[object]] = [
        [
            row.handle,
            row.display_name or "",
            f"{row.completed}/{row.total}",
            f"{row.percent:g}%",
            _hours(row.hours_done_low, row.hours_done_high),
            _hours(row.hours_remaining_low, row.hours_remaining_high),
            _when(row.last_activity),
            row.next or "-",
        ]
        for row in learners
    ]
    headers = [
        "learner",
        "name",
        "completed",
        "done",
        "hours done",
        "hours left",
        "last activity",
        "next",
    ]
    return _table(headers, rows, {2, 3}, "learner")


def _stuck_table(stuck: list[StuckLearner]) -> str:
    if not stuck:
        return "<p>No learner is stuck.</p>"
    rows: list[list[object]] = [
        [row.handle, row.display_name or "", row.reason, row.detail] for row in stuck
    ]
    return _table(["learner", "name", "reason", "why"], rows, set(), "stuck")


def write_report(
    database: Database,
    output: str | Path,
    cohort: str | None = None,
    days: int = 14,
    now: datetime | None = None,
) -> Path:
    """Write the HTML report to ``output`` and return its path.

    The file is replaced only once the whole page is written.
    """
    target = Path(output)
    check_folder(target, "the report")
    page = build_report(database, cohort, days, now)
    with replace_when_done(target, "the report", "utf-8") as handle:
        handle.write(page)
    return target
