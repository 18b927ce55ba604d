"""Cohort figures: a learners x modules heatmap of states and a completion funnel."""

from __future__ import annotations

from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .charts import STATE_COLOURS, STATE_LABELS, literal_text
from .cohort import CohortStatus, LearnerRow, cohort_matrix, cohort_status
from .db import Database
from .membership import check_cohort_name
from .progress import STATES, ModuleView

# Learner names are written beside the heatmap up to this many rows. A larger
# cohort is drawn without names in a figure of fixed height.
MAX_LABELLED_LEARNERS = 60


def _label(module: ModuleView) -> str:
    return (
        f"{module.number:02d} {module.slug}"
        if module.number is not None
        else module.slug
    )


def _cohort_text(cohort: str | None, learners: int) -> str:
    scope = f"cohort {cohort}" if cohort else "all learners"
    return f"{scope}, {learners} {'learner' if learners == 1 else 'learners'}"


@literal_text
def state_heatmap(
    modules: list[ModuleView], learners: list[LearnerRow], cohort: str | None = None
) -> Figure:
    """Draw each learner's state on each module, modules in learning order."""
    labelled = len(learners) <= MAX_LABELLED_LEARNERS
    height = 0.3 * len(learners) + 2.6 if labelled else 9.0
    figure = Figure(figsize=(max(8.0, 0.45 * len(modules) + 3.0), max(3.5, height)))
    axes = figure.add_subplot()

    codes = {state: index for index, state in enumerate(STATES)}
    matrix = [[codes[state] for state in row.states] for row in learners]
    if matrix:
        # NOTE: with more learners than the figure has pixel rows (about 700),
        # each pixel row shows one of several learners, picked by nearest
        # neighbour, so a lone learner in a rare state may not show.
        axes.imshow(
            matrix,
            cmap=ListedColormap([STATE_COLOURS[state] for state in STATES]),
            vmin=0,
            vmax=len(STATES) - 1,
            aspect="auto",
            interpolation="nearest",
        )
    else:
        axes.text(
            0.5, 0.5, "no learners", ha="center", va="center", transform=axes.transAxes
        )

    axes.set_xticks(
        range(len(modules)), [_label(m) for m in modules], rotation=60, ha="right"
    )
    if labelled:
        axes.set_yticks(range(len(learners)), [row.handle for row in learners])
    else:
        axes.set_yticks([])
        axes.set_ylabel(f"{len(learners)} learners, by handle")
    axes.set_title(f"Module states ({_cohort_text(cohort, len(learners))})")
    handles = [Patch(color=STATE_COLOURS[s], label=STATE_LABELS[s]) for s in STATES]
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    figure.tight_layout()
    return figure


@literal_text
def completion_funnel(status: CohortStatus) -> Figure:
    """Draw how many learners completed each module, in learning order."""
    modules = status.modules
    figure = Figure(figsize=(10, max(4.0, 0.38 * len(modules) + 1.6)))
    axes = figure.add_subplot()
    rows = list(range(len(modules)))
    counts = [m.completed for m in modules]
    labels = [
        f"{m.number:02d} {m.slug}" if m.number is not None else m.slug for m in modules
    ]
    axes.barh(rows, counts, color=STATE_COLOURS["completed"])
    for row, module in zip(rows, modules):
        axes.text(
            module.completed,
            row,
            f" {module.completed} ({module.percent:g}%)",
            va="center",
            fontsize=8,
        )
    axes.set_yticks(rows, labels)
    axes.invert_yaxis()
    axes.set_xlim(0, max(1, status.learners) * 1.15)
    axes.set_xlabel("learners who completed the module")
    axes.set_title(
        f"Completions by module ({_cohort_text(status.cohort, status.learners)})"
    )
    axes.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    return figure


def cohort_heatmap_figure(database: Database, cohort: str | None = None) -> Figure:
    """Draw the state heatmap of a cohort (default: every learner)."""
    modules, learners = cohort_matrix(database, cohort)
    return state_heatmap(
        modules, learners, check_cohort_name(cohort) if cohort else None
    )


def funnel_figure(database: Database, cohort: str | None = None) -> Figure:
    """Draw the completion funnel of a cohort (default: every learner)."""
    return completion_funnel(cohort_status(database, cohort))
