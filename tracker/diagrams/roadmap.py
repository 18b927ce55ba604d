"""The learning roadmap: the learning path as a timeline on cumulative hours."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..analysis import Curriculum, ModuleStats
from ..charts import literal_text
from ..progress import LearnerStatus
from ..render import hours_range
from .style import (
    INK,
    MUTED,
    layer_handles,
    learner_title,
    module_colour,
    module_label,
    state_handles,
    states_of,
)

# Layer milestones: each layer's finishing hours (low, high) and its last row.
_Milestones = dict[str, tuple[float, float, int]]


@literal_text
def roadmap_figure(
    curriculum: Curriculum, status: LearnerStatus | None = None
) -> Figure:
    """Draw the learning path as a timeline on cumulative hours.

    Each module starts where the modules before it end on low estimates, and
    its solid bar is its own low estimate. The light bar runs on to where the
    module ends if every module up to it takes its high estimate. Diamonds
    mark where a layer is finished. The markers on the right give each
    module's difficulty out of 5.
    """
    modules = curriculum.modules
    figure = Figure(figsize=(12, 0.42 * len(modules) + 2.4), layout="constrained")
    axes = figure.add_subplot()
    states = states_of(status)
    milestones, end = _draw_timeline(axes, modules, states)
    _draw_milestones(axes, milestones)
    _draw_difficulty_markers(axes, modules)
    axes.set_yticks(range(len(modules)), [module_label(m) for m in modules], fontsize=9)
    axes.set_ylim(len(modules) - 0.4, -0.6)
    axes.set_xlim(0, max(end, 1.0) * 1.3)
    axes.set_xlabel(
        "cumulative hours along the learning path (solid: the module on "
        "low estimates; light: until it ends on high estimates)"
    )
    axes.grid(axis="x", alpha=0.3)
    total = curriculum.total_hours()
    path = curriculum.critical_path
    axes.set_title(
        f"Learning roadmap: {len(modules)} modules one after another, "
        f"{hours_range(total.low, total.high)} (critical path "
        f"{hours_range(path.hours_low, path.hours_high)})" + learner_title(status),
        fontsize=11,
    )
    handles: list[Patch | Line2D] = []
    handles += state_handles(states) if states else layer_handles(curriculum)
    if milestones:
        handles.append(
            Line2D([], [], linestyle="", marker="D", color=INK, label="layer finished")
        )
    axes.legend(handles=handles, loc="lower left", fontsize=9)
    return figure


def _draw_timeline(
    axes: Axes, modules: list[ModuleStats], states: dict[str, str] | None
) -> tuple[_Milestones, float]:
    """Draw one bar per module; return the layer milestones and the last high end."""
    low_before = high_before = 0.0
    milestones: _Milestones = {}
    for row, module in enumerate(modules):
        colour = module_colour(module, states)
        low, high = module.hours_low, module.hours_high
        if low is None or high is None:
            axes.plot([low_before], [row], marker="o", color=colour, markersize=7)
            axes.annotate(
                "no estimate",
                xy=(low_before, row),
                xytext=(10, 0),
                textcoords="offset points",
                va="center",
                fontsize=8.5,
                color=MUTED,
            )
        else:
            bar = axes.barh(row, low, left=low_before, color=colour, height=0.62)[0]
            bar.set_gid(f"module-{module.slug}")
            axes.barh(
                row,
                high_before + high - (low_before + low),
                left=low_before + low,
                color=colour,
                alpha=0.35,
                height=0.62,
            )
            axes.text(
                high_before + high + 0.8,
                row,
                hours_range(low, high),
                va="center",
                fontsize=8.5,
                color=MUTED,
            )
            low_before, high_before = low_before + low, high_before + high
        if module.layer:
            milestones[module.layer] = (low_before, high_before, row)
    return milestones, high_before


def _draw_milestones(axes: Axes, milestones: _Milestones) -> None:
    for layer, (low, high, row) in milestones.items():
        axes.plot([low], [row], marker="D", color=INK, markersize=7, zorder=4)
        axes.annotate(
            f"{layer} done at {hours_range(low, high)}",
            xy=(low, row),
            xytext=(-6, -13),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize=8,
            fontweight="bold",
            color=INK,
        )


def _draw_difficulty_markers(axes: Axes, modules: list[ModuleStats]) -> None:
    # x in axes fractions, y in rows: a column right of the plot.
    transform = axes.get_yaxis_transform()
    for row, module in enumerate(modules):
        for step in range(5):
            filled = module.difficulty is not None and step < module.difficulty
            axes.plot(
                [1.02 + 0.017 * step],
                [row],
                transform=transform,
                clip_on=False,
                linestyle="",
                marker="o",
                markersize=6,
                markeredgecolor=INK,
                markerfacecolor=INK if filled else "white",
            )
    axes.text(
        1.054,
        -1.0,
        "difficulty",
        transform=transform,
        ha="center",
        va="center",
        fontsize=8.5,
        color=INK,
    )
