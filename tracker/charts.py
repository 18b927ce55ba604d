"""Matplotlib figures. The Agg backend is used, so no display is needed."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.text import Text

from .errors import InputError
from .output_files import check_folder

if TYPE_CHECKING:
    from .progress import LearnerStatus

P = ParamSpec("P")

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
STATE_COLOURS = {
    "completed": "#2e7d32",
    "in_progress": "#f9a825",
    "ready": "#1e88e5",
    "locked": "#b0bec5",
}
STATE_LABELS = {
    "completed": "completed",
    "in_progress": "in progress",
    "ready": "ready",
    "locked": "locked",
}


@contextmanager
def plain_text() -> Iterator[None]:
    """Turn mathtext off for the text that matplotlib creates inside the block.

    Handles, names and titles come from learners and metadata, and matplotlib
    would read a pair of ``$`` in them as math: ``$x^2$`` would be drawn as a
    formula and an unknown command such as ``$\\foo$`` would fail to draw.
    """
    with matplotlib.rc_context({"text.parse_math": False}):
        yield


def literal_text(draw: Callable[P, Figure]) -> Callable[P, Figure]:
    """Decorate a figure function so that every text in its figure is drawn as is."""

    @functools.wraps(draw)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Figure:
        with plain_text():
            figure = draw(*args, **kwargs)
        for text in figure.findobj(Text):
            text.set_parse_math(False)
        return figure

    return wrapper


def check_chart_path(path: str | Path) -> Path:
    """Return the path if its suffix names a supported format, else raise InputError."""
    target = Path(path)
    if target.suffix.lower() not in FORMATS:
        raise InputError(
            f"Cannot tell the chart format of {str(path)!r}: use a file name ending "
            "in .png, .svg or .pdf."
        )
    check_folder(target, "the chart")
    return target


def save_figure(figure: Figure, path: str | Path, dpi: int = 100) -> Path:
    """Write a figure in the format its suffix names (PNG, SVG or PDF)."""
    target = check_chart_path(path)
    try:
        # Tick labels that matplotlib creates while drawing take the setting too.
        with plain_text():
            figure.savefig(target, format=FORMATS[target.suffix.lower()], dpi=dpi)
    except OSError as err:
        raise InputError(
            f"Cannot write the chart {str(target)!r}: {err.strerror}."
        ) from None
    return target


@literal_text
def progress_chart(status: LearnerStatus) -> Figure:
    """Draw one learner's modules in learning order as bars of estimated hours."""
    modules = status.modules
    figure = Figure(figsize=(10, max(4.0, 0.38 * len(modules) + 1.6)))
    axes = figure.add_subplot()
    labels = [
        f"{m.number:02d} {m.slug}" if m.number is not None else m.slug for m in modules
    ]
    rows = list(range(len(modules)))
    lows = [m.hours_low or 0.0 for m in modules]
    spans = [(m.hours_high or 0.0) - (m.hours_low or 0.0) for m in modules]
    colours = [STATE_COLOURS[m.state] for m in modules]
    axes.barh(rows, lows, color=colours, edgecolor="white")
    axes.barh(rows, spans, left=lows, color=colours, alpha=0.45, edgecolor="white")
    for row, module in zip(rows, modules):
        if module.hours_low is None:
            axes.text(0.2, row, "no estimate", va="center", fontsize=8, color="#455a64")
    axes.set_yticks(rows, labels)
    axes.invert_yaxis()
    axes.set_xlabel("estimated hours (solid: low estimate, light: up to high)")
    done, left = status.hours_done, status.hours_remaining
    axes.set_title(
        f"{status.learner}: {status.completed}/{status.total} modules "
        f"({status.percent:.1f}%), {_range(done.low, done.high)} h done, "
        f"{_range(left.low, left.high)} h remaining"
    )
    handles = [
        Patch(color=STATE_COLOURS[s], label=STATE_LABELS[s]) for s in STATE_COLOURS
    ]
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axes.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    return figure


def _range(low: float, high: float) -> str:
    if low == high:
        return f"{low:g}"
    return f"{low:g}-{high:g}"
