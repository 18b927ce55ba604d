"""The component analysis: components per module, difficulty against hours,
and the modules of each layer."""

from __future__ import annotations

from collections.abc import Callable

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..analysis import Curriculum, ModuleStats
from ..charts import literal_text
from ..progress import LearnerStatus
from .style import (
    INK,
    MUTED,
    layer_handles,
    learner_title,
    module_colour,
    module_label,
    module_number,
    state_handles,
    states_of,
    text_colour,
)

Colour = Callable[[ModuleStats], str]


@literal_text
def components_figure(
    curriculum: Curriculum, status: LearnerStatus | None = None
) -> Figure:
    """Draw components per module, difficulty against hours, and the layers.

    The left panel counts each module's components. The top right places
    each module by difficulty and estimated hours (the line spans the low to
    the high estimate). The bottom right stacks each layer's modules by their
    components.
    """
    modules = curriculum.modules
    figure = Figure(
        figsize=(14, max(8.0, 0.36 * len(modules) + 2.6)), layout="constrained"
    )
    grid = figure.add_gridspec(2, 2, width_ratios=[1.0, 1.25])
    states = states_of(status)

    def colour(module: ModuleStats) -> str:
        return module_colour(module, states)

    _components_panel(figure.add_subplot(grid[:, 0]), modules, colour)
    _difficulty_panel(figure.add_subplot(grid[0, 1]), modules, colour)
    _layers_panel(figure.add_subplot(grid[1, 1]), curriculum, colour)
    figure.suptitle(
        f"Component analysis: {sum(m.components for m in modules)} components "
        f"in {len(modules)} modules" + learner_title(status),
        fontsize=12,
    )
    handles: list[Patch] = (
        state_handles(states) if states else layer_handles(curriculum)
    )
    figure.legend(
        handles=handles,
        loc="outside lower center",
        ncol=len(handles),
        fontsize=9,
        frameon=False,
    )
    return figure


def _components_panel(axes: Axes, modules: list[ModuleStats], colour: Colour) -> None:
    rows = list(range(len(modules)))
    bars = axes.barh(
        rows,
        [m.components for m in modules],
        color=[colour(m) for m in modules],
        height=0.7,
    )
    for bar, module in zip(bars, modules):
        bar.set_gid(f"module-{module.slug}")
        axes.text(
            module.components + 0.2,
            bar.get_y() + bar.get_height() / 2,
            str(module.components),
            va="center",
            fontsize=8.5,
            color=INK,
        )
    axes.set_yticks(rows, [module_label(m) for m in modules], fontsize=9)
    axes.invert_yaxis()
    axes.set_xlim(0, max((m.components for m in modules), default=1) * 1.15 + 1)
    axes.set_xlabel("components")
    axes.set_title("Components per module, in learning order", fontsize=10)
    axes.grid(axis="x", alpha=0.3)


def _difficulty_panel(axes: Axes, modules: list[ModuleStats], colour: Colour) -> None:
    by_difficulty: dict[int, list[ModuleStats]] = {}
    for module in modules:
        if module.difficulty and module.hours_low is not None:
            by_difficulty.setdefault(module.difficulty, []).append(module)
    for difficulty, group in by_difficulty.items():
        # Modules of equal difficulty spread sideways, so none hides another.
        step = min(0.14, 0.8 / max(len(group) - 1, 1))
        for index, module in enumerate(group):
            x = difficulty + (index - (len(group) - 1) / 2) * step
            _plot_hours(axes, module, x, colour(module))

    plotted = [m for group in by_difficulty.values() for m in group]
    missing = [m.slug for m in modules if m not in plotted]
    if missing:
        axes.text(
            0.02,
            0.96,
            "not shown (no estimate or difficulty): " + ", ".join(missing),
            transform=axes.transAxes,
            va="top",
            fontsize=8.5,
            color=MUTED,
        )
    tallest = max((m.hours_high or 0.0 for m in plotted), default=1.0)
    axes.set_xlim(0.4, 5.6)
    axes.set_xticks([1, 2, 3, 4, 5])
    axes.set_ylim(0, tallest * 1.2 + 0.5)
    axes.set_xlabel("difficulty (1 to 5)")
    axes.set_ylabel("estimated hours")
    axes.set_title(
        "Difficulty against estimated hours (labels are module numbers)", fontsize=10
    )
    axes.grid(alpha=0.3)


def _plot_hours(axes: Axes, module: ModuleStats, x: float, colour: str) -> None:
    """Draw a module's low-to-high hours as a line with a dot in the middle."""
    low, high = module.hours_low or 0.0, module.hours_high or 0.0
    axes.plot([x, x], [low, high], color=colour, linewidth=2.2)
    axes.plot(
        [x],
        [(low + high) / 2],
        marker="o",
        markersize=7,
        color=colour,
        markeredgecolor=INK,
        markeredgewidth=0.6,
    )
    axes.annotate(
        module_number(module),
        xy=(x, high),
        xytext=(0, 3),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=7.5,
        color=INK,
    )


def _layers_panel(axes: Axes, curriculum: Curriculum, colour: Colour) -> None:
    layers = curriculum.layers()
    for row, members in enumerate(layers.values()):
        left = 0.0
        for module in members:
            # A module without components still gets a sliver to carry its label.
            width = max(module.components, 0.3)
            axes.barh(
                row,
                width,
                left=left,
                color=colour(module),
                edgecolor="white",
                linewidth=1.2,
                height=0.62,
            )
            axes.text(
                left + width / 2,
                row,
                module_number(module),
                ha="center",
                va="center",
                fontsize=7.5,
                color=text_colour(colour(module)),
            )
            left += width
        axes.text(
            left + 0.4,
            row,
            str(sum(m.components for m in members)),
            va="center",
            fontsize=8.5,
            color=INK,
        )
    axes.set_yticks(
        range(len(layers)),
        [f"{name} ({len(members)})" for name, members in layers.items()],
        fontsize=9,
    )
    # Keep bars thin when there are only a few layers.
    axes.set_ylim(max(len(layers), 4) - 0.5, -0.5)
    widest = max((sum(m.components for m in ms) for ms in layers.values()), default=1)
    axes.set_xlim(0, widest * 1.08 + 1)
    axes.set_xlabel("components, one segment per module (labels are module numbers)")
    axes.set_title(
        "Modules grouped by layer (number of modules in brackets)", fontsize=10
    )
