"""Colours, labels and drawing helpers shared by the curriculum diagrams."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch

from ..analysis import NO_LAYER, Curriculum, ModuleStats
from ..charts import STATE_COLOURS, STATE_LABELS
from ..progress import LearnerStatus
from ..render import hours_range

DIFFICULTY_COLOURS = {
    1: "#fee391",
    2: "#fec44f",
    3: "#fe9929",
    4: "#d95f0e",
    5: "#993404",
}
NO_DIFFICULTY_COLOUR = "#cfd8dc"
LAYER_COLOURS = {
    "foundation": "#4e79a7",
    "components": "#59a14f",
    "networks": "#f28e2b",
    "training": "#e15759",
    "production": "#76b7b2",
    NO_LAYER: "#9e9e9e",
}
EDGE_COLOUR = "#78909c"
ARROW_COLOUR = "#455a64"
CRITICAL_COLOUR = "#c62828"
INK = "#263238"
MUTED = "#455a64"

Point = tuple[float, float]


def text_colour(background: str) -> str:
    """Return dark ink or white, whichever reads better on a ``#rrggbb`` colour."""
    red, green, blue = (int(background[i : i + 2], 16) for i in (1, 3, 5))
    return INK if 0.299 * red + 0.587 * green + 0.114 * blue > 150 else "white"


def module_label(module: ModuleStats) -> str:
    prefix = f"{module.number:02d} " if module.number is not None else ""
    return prefix + module.slug


def module_number(module: ModuleStats) -> str:
    """Return the module's two-digit number, or its slug when it has none."""
    return f"{module.number:02d}" if module.number is not None else module.slug


def count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def hours_text(module: ModuleStats) -> str:
    if module.hours_low is None or module.hours_high is None:
        return "no estimate"
    return hours_range(module.hours_low, module.hours_high)


def states_of(status: LearnerStatus | None) -> dict[str, str] | None:
    return None if status is None else {m.slug: m.state for m in status.modules}


def module_colour(module: ModuleStats, states: dict[str, str] | None) -> str:
    """Return the learner's state colour, or the module's layer colour."""
    if states:
        return STATE_COLOURS[states[module.slug]]
    return LAYER_COLOURS[module.layer or NO_LAYER]


def difficulty_colour(module: ModuleStats) -> str:
    return DIFFICULTY_COLOURS.get(module.difficulty or 0, NO_DIFFICULTY_COLOUR)


def state_handles(states: dict[str, str]) -> list[Patch]:
    """Return legend entries for the four states, each with its module count."""
    totals = {state: list(states.values()).count(state) for state in STATE_COLOURS}
    return [
        Patch(color=colour, label=f"{STATE_LABELS[state]} ({totals[state]})")
        for state, colour in STATE_COLOURS.items()
    ]


def layer_handles(curriculum: Curriculum) -> list[Patch]:
    return [
        Patch(color=LAYER_COLOURS[name], label=name) for name in curriculum.layers()
    ]


def learner_title(status: LearnerStatus | None) -> str:
    """Return a second title line with the learner's progress, or nothing."""
    if status is None:
        return ""
    left = status.hours_remaining
    return (
        f"\n{status.learner}: {status.completed}/{status.total} modules completed, "
        f"{hours_range(left.low, left.high)} remaining"
    )


def draw_route(
    axes: Axes,
    points: Sequence[Point],
    colour: str,
    width: float,
    target_gap: float = 0.0,
) -> None:
    """Draw a line through ``points`` with an arrowhead on the last segment.

    ``target_gap`` (in points) stops the arrowhead short of the target, at
    the edge of a round node.
    """
    if len(points) > 2:
        xs = [x for x, _ in points[:-1]]
        ys = [y for _, y in points[:-1]]
        axes.add_line(Line2D(xs, ys, color=colour, linewidth=width, zorder=1))
    axes.add_patch(
        FancyArrowPatch(
            points[-2],
            points[-1],
            arrowstyle="-|>",
            mutation_scale=12,
            shrinkA=0,
            shrinkB=target_gap,
            color=colour,
            linewidth=width,
            zorder=2,
        )
    )
