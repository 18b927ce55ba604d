"""The dependency graph, with levels as rows or the modules on a circle."""

from __future__ import annotations

import itertools
import math

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .. import graph as graphs
from ..analysis import Curriculum, ModuleStats
from ..charts import STATE_COLOURS, literal_text
from ..errors import InputError
from ..progress import LearnerStatus
from ..render import hours_range
from .style import (
    CRITICAL_COLOUR,
    DIFFICULTY_COLOURS,
    EDGE_COLOUR,
    INK,
    Point,
    difficulty_colour,
    draw_route,
    learner_title,
    module_label,
    state_handles,
    states_of,
    text_colour,
)

LAYOUTS = ("hierarchical", "circular")


def check_layout(layout: str) -> None:
    if layout not in LAYOUTS:
        raise InputError(
            f"Unknown graph layout {layout!r}; choose one of {', '.join(LAYOUTS)}."
        )


def node_diameter(components: int) -> float:
    """Return a node's diameter in points for a number of components."""
    return 16.0 + 1.6 * components


def circular_positions(order: list[str]) -> dict[str, Point]:
    """Place modules on the unit circle, clockwise from the top, in this order."""
    step = 2 * math.pi / max(len(order), 1)
    return {
        slug: (round(math.sin(index * step), 9), round(math.cos(index * step), 9))
        for index, slug in enumerate(order)
    }


def graph_positions(curriculum: Curriculum, layout: str) -> dict[str, Point]:
    """Return the (x, y) of each module in the given layout, in data units."""
    check_layout(layout)
    if layout == "hierarchical":
        return graphs.layered_layout(curriculum.graph).positions
    return circular_positions(curriculum.learning_path)


@literal_text
def dependency_graph_figure(
    curriculum: Curriculum,
    status: LearnerStatus | None = None,
    layout: str = "hierarchical",
) -> Figure:
    """Draw the prerequisite graph, levels as rows or modules on a circle.

    Only the dependencies that no longer chain implies are drawn, because the
    others follow from them. The critical path is drawn in red. Nodes are
    coloured by difficulty (the digit inside) or by the learner's state, and
    sized by their number of components.
    """
    check_layout(layout)
    modules = curriculum.modules
    routes: dict[tuple[str, str], list[Point]] = {}
    if layout == "hierarchical":
        placed = graphs.layered_layout(curriculum.graph)
        positions, routes = placed.positions, placed.routes
        rows = max((m.level for m in modules), default=0) + 1
        size = (11.0, max(6.0, 0.62 * rows + 2.4))
    else:
        positions = circular_positions(curriculum.learning_path)
        size = (11.0, 10.5)
    figure = Figure(figsize=size, layout="constrained")
    axes = figure.add_subplot()
    states = states_of(status)
    critical = set(itertools.pairwise(curriculum.critical_path.modules))
    edges = graphs.essential_edges(curriculum.graph)
    for edge in edges:
        points = routes.get(edge, [positions[edge[0]], positions[edge[1]]])
        if len(points) > 2:
            # A long edge ends with a short drop onto its module, so that its
            # arrowhead does not come in sideways through the module's label.
            x, y = points[-1]
            points = [*points[:-1], (x, y + 0.4), (x, y)]
        colour, width = (
            (CRITICAL_COLOUR, 2.0) if edge in critical else (EDGE_COLOUR, 1.1)
        )
        gap = node_diameter(curriculum.by_slug[edge[1]].components) / 2 + 1.5
        draw_route(axes, points, colour, width, target_gap=gap)
    if layout == "hierarchical":
        _draw_level_guides(axes, modules, positions)
    _draw_nodes(axes, modules, positions, states, layout)
    _finish_axes(axes, positions, layout)
    axes.set_title(
        f"Module dependencies ({layout} layout): {len(modules)} modules, "
        f"{len(edges)} of {curriculum.dependencies} declared dependencies drawn, "
        "the rest follow from them" + learner_title(status),
        fontsize=11,
    )
    _add_legends(axes, figure, curriculum, states, layout)
    return figure


def _draw_nodes(
    axes: Axes,
    modules: list[ModuleStats],
    positions: dict[str, Point],
    states: dict[str, str] | None,
    layout: str,
) -> None:
    colours = [
        STATE_COLOURS[states[m.slug]] if states else difficulty_colour(m)
        for m in modules
    ]
    nodes = axes.scatter(
        [positions[m.slug][0] for m in modules],
        [positions[m.slug][1] for m in modules],
        s=[node_diameter(m.components) ** 2 for m in modules],
        c=colours,
        edgecolors=INK,
        linewidths=0.8,
        zorder=3,
    )
    nodes.set_gid("modules")
    for module, colour in zip(modules, colours):
        x, y = positions[module.slug]
        digit = str(module.difficulty) if module.difficulty else "-"
        axes.text(
            x,
            y,
            digit,
            ha="center",
            va="center",
            fontsize=8.5,
            fontweight="bold",
            color=text_colour(colour),
            zorder=4,
        )
        _label_node(axes, module, (x, y), layout)


def _draw_level_guides(
    axes: Axes, modules: list[ModuleStats], positions: dict[str, Point]
) -> None:
    left = min(x for x, _ in positions.values()) - 0.55
    for level in sorted({m.level for m in modules}):
        axes.axhline(-level, color="#eceff1", linewidth=0.8, zorder=0)
        axes.text(
            left,
            -level,
            f"level {level}",
            ha="right",
            va="center",
            fontsize=8,
            color=EDGE_COLOUR,
        )


def _label_node(axes: Axes, module: ModuleStats, point: Point, layout: str) -> None:
    gap = node_diameter(module.components) / 2 + 3
    if layout == "hierarchical":
        offset, align = (gap, 0.0), "left"
    else:
        # Outward from the centre of the circle.
        x, y = point
        length = math.hypot(x, y) or 1.0
        offset = (gap * x / length, gap * y / length)
        align = "center"
        if x > 0.05:
            align = "left"
        elif x < -0.05:
            align = "right"
    axes.annotate(
        module_label(module),
        xy=point,
        xytext=offset,
        textcoords="offset points",
        ha=align,
        va="center",
        fontsize=9,
        color=INK,
        zorder=5,
        # A light backdrop keeps a label readable where an edge passes behind it.
        bbox={
            "boxstyle": "round,pad=0.1",
            "facecolor": "white",
            "edgecolor": "none",
            "alpha": 0.8,
        },
    )


def _finish_axes(axes: Axes, positions: dict[str, Point], layout: str) -> None:
    xs = [x for x, _ in positions.values()]
    ys = [y for _, y in positions.values()]
    if layout == "hierarchical":
        axes.set_xlim(min(xs) - 1.0, max(xs) + 1.3)
        axes.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    else:
        axes.set_xlim(-1.45, 1.45)
        axes.set_ylim(-1.2, 1.2)
        axes.set_aspect("equal")
    axes.set_axis_off()


def _add_legends(
    axes: Axes,
    figure: Figure,
    curriculum: Curriculum,
    states: dict[str, str] | None,
    layout: str,
) -> None:
    if states:
        colours = state_handles(states)
    else:
        colours = [
            Patch(color=colour, label=f"difficulty {level}")
            for level, colour in DIFFICULTY_COLOURS.items()
        ]
    figure.legend(
        handles=colours,
        loc="outside lower center",
        ncol=len(colours),
        fontsize=9,
        frameon=False,
    )
    keys = [
        Line2D(
            [],
            [],
            linestyle="",
            marker="o",
            markersize=node_diameter(components),
            markerfacecolor="white",
            markeredgecolor=INK,
            label=f"{components} components",
        )
        for components in (3, 6, 12)
    ]
    path = curriculum.critical_path
    keys.append(
        Line2D(
            [],
            [],
            color=CRITICAL_COLOUR,
            linewidth=2.0,
            label=f"critical path, {hours_range(path.hours_low, path.hours_high)}",
        )
    )
    # The lower right of a layered graph and the middle of a circle are empty.
    axes.legend(
        handles=keys,
        loc="lower right" if layout == "hierarchical" else "center",
        fontsize=9,
        labelspacing=1.6,
        borderpad=1.0,
        handletextpad=1.2,
        frameon=False,
    )
