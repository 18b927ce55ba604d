"""The layered system view: one band per layer, foundation at the bottom."""

from __future__ import annotations

import math
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from .. import graph as graphs
from ..analysis import NO_LAYER, Curriculum, ModuleStats
from ..charts import STATE_COLOURS, literal_text
from ..progress import LearnerStatus
from ..render import hours_range
from .style import (
    ARROW_COLOUR,
    INK,
    LAYER_COLOURS,
    MUTED,
    Point,
    count,
    draw_route,
    hours_text,
    learner_title,
    module_label,
    state_handles,
    states_of,
    text_colour,
)

# Sizes in data units; one unit is 0.75 inch across and 0.95 inch up.
BOX_WIDTH = 2.0
BOX_HEIGHT = 0.7
_BOX_STEP = 2.3
_LABEL_WIDTH = 2.9
_ROW_HEIGHT = 1.0
_GAP = 0.6
_LANE_STEP = 0.22
_PER_ROW = 6


@dataclass
class _Band:
    name: str
    members: list[ModuleStats]
    bottom: float
    rows: int

    @property
    def top(self) -> float:
        return self.bottom + self.rows * _ROW_HEIGHT + 0.2


@literal_text
def architecture_figure(
    curriculum: Curriculum, status: LearnerStatus | None = None
) -> Figure:
    """Draw the layers from foundation (bottom) to production (top).

    Each layer is a band holding its modules, at most six to a row. Arrows
    show the dependencies between modules of different layers that no longer
    chain implies; an arrow that passes a layer runs through the right
    margin. Modules whose metadata names no layer share an "unassigned" band
    on top.
    """
    bands = _stack_bands(curriculum)
    arrows = _layer_arrows(curriculum)
    index = {band.name: position for position, band in enumerate(bands)}
    spans = [
        (index[_layer(curriculum, s)], index[_layer(curriculum, t)]) for s, t in arrows
    ]
    lanes = sum(1 for lower, upper in spans if abs(upper - lower) > 1)
    columns = min(_PER_ROW, max(len(band.members) for band in bands))
    content = _LABEL_WIDTH + columns * _BOX_STEP
    width = content + 0.3 + lanes * _LANE_STEP
    height = bands[-1].top if bands else 1.0
    figure = Figure(figsize=(width * 0.75, height * 0.95 + 2.0), layout="constrained")
    axes = figure.add_subplot()
    states = states_of(status)
    boxes: dict[str, Point] = {}
    for band in bands:
        _draw_band(axes, band, width)
        for position, module in enumerate(band.members):
            row, column = divmod(position, _PER_ROW)
            in_row = min(_PER_ROW, len(band.members) - row * _PER_ROW)
            x = _LABEL_WIDTH + (columns - in_row) * _BOX_STEP / 2 + column * _BOX_STEP
            y = band.bottom + 0.25 + (band.rows - 1 - row) * _ROW_HEIGHT
            _draw_module_box(axes, module, x, y, states)
            boxes[module.slug] = (x + BOX_WIDTH / 2, y)
    _draw_arrows(axes, bands, arrows, spans, boxes, content)
    axes.set_xlim(0, width)
    axes.set_ylim(-0.1, height + 0.1)
    axes.set_axis_off()
    axes.set_title(
        f"System architecture: {len(curriculum.modules)} modules, "
        + _summary(curriculum, bands, arrows)
        + learner_title(status),
        fontsize=11,
    )
    if states:
        figure.legend(
            handles=state_handles(states),
            loc="outside lower center",
            ncol=4,
            fontsize=9,
            frameon=False,
        )
    return figure


def _stack_bands(curriculum: Curriculum) -> list[_Band]:
    bands: list[_Band] = []
    bottom = 0.0
    for name, members in curriculum.layers().items():
        bands.append(_Band(name, members, bottom, math.ceil(len(members) / _PER_ROW)))
        bottom = bands[-1].top + _GAP
    return bands


def _layer(curriculum: Curriculum, slug: str) -> str:
    return curriculum.by_slug[slug].layer or NO_LAYER


def _layer_arrows(curriculum: Curriculum) -> list[tuple[str, str]]:
    return [
        (source, target)
        for source, target in graphs.essential_edges(curriculum.graph)
        if _layer(curriculum, source) != _layer(curriculum, target)
    ]


def _summary(
    curriculum: Curriculum, bands: list[_Band], arrows: list[tuple[str, str]]
) -> str:
    if [band.name for band in bands] == [NO_LAYER]:
        return "no module names its layer"
    declared = sum(
        1
        for prerequisite, module in curriculum.graph.edges
        if _layer(curriculum, prerequisite) != _layer(curriculum, module)
    )
    return (
        f"{count(len(bands), 'layer')}; arrows: "
        f"{count(len(arrows), 'dependency', 'dependencies')} between layers "
        f"({declared} declared, the rest follow from these)"
    )


def _draw_arrows(
    axes: Axes,
    bands: list[_Band],
    arrows: list[tuple[str, str]],
    spans: list[tuple[int, int]],
    boxes: dict[str, Point],
    content: float,
) -> None:
    routed = 0
    for (source, target), (lower, upper) in zip(arrows, spans):
        (x1, y1), (x2, y2) = boxes[source], boxes[target]
        if upper == lower + 1:
            points = [(x1, y1 + BOX_HEIGHT), (x2, y2)]
        elif upper == lower - 1:
            points = [(x1, y1), (x2, y2 + BOX_HEIGHT)]
        else:
            routed += 1
            lane = content + 0.15 + routed * _LANE_STEP
            # Arrows that share a gap run at slightly different heights.
            offset = (routed % 3 - 1) * 0.08
            points = _side_route(
                bands[lower], bands[upper], boxes[source], boxes[target], lane, offset
            )
        draw_route(axes, points, ARROW_COLOUR, 1.2)


def _side_route(
    start_band: _Band,
    end_band: _Band,
    start: Point,
    end: Point,
    lane: float,
    offset: float,
) -> list[Point]:
    """Return the points of an arrow that leaves its band through the gap next
    to it, runs along the right margin at x = ``lane`` and enters the target
    band through the gap next to that one."""
    (x1, y1), (x2, y2) = start, end
    if end_band.bottom > start_band.bottom:
        leave = start_band.top + _GAP / 2 + offset
        enter = end_band.bottom - _GAP / 2 + offset
        first, last = (x1, y1 + BOX_HEIGHT), (x2, y2)
    else:
        leave = start_band.bottom - _GAP / 2 + offset
        enter = end_band.top + _GAP / 2 + offset
        first, last = (x1, y1), (x2, y2 + BOX_HEIGHT)
    return [first, (x1, leave), (lane, leave), (lane, enter), (x2, enter), last]


def _draw_band(axes: Axes, band: _Band, width: float) -> None:
    colour = LAYER_COLOURS[band.name]
    axes.add_patch(
        FancyBboxPatch(
            (0.1, band.bottom),
            width - 0.2,
            band.top - band.bottom,
            boxstyle="round,pad=0.02,rounding_size=0.15",
            facecolor=colour,
            alpha=0.16,
            edgecolor=colour,
            zorder=0,
        )
    )
    middle = (band.bottom + band.top) / 2
    lines = [
        (band.name, 11.0, "bold", INK),
        (count(len(band.members), "module"), 8.5, "normal", MUTED),
        (_sum_hours(band.members), 8.5, "normal", MUTED),
    ]
    for position, (text, size, weight, colour) in enumerate(lines):
        axes.text(
            0.3,
            middle + 0.25 - 0.22 * position,
            text,
            fontsize=size,
            fontweight=weight,
            va="center",
            color=colour,
        )


def _sum_hours(members: list[ModuleStats]) -> str:
    low = sum(m.hours_low or 0.0 for m in members)
    high = sum(m.hours_high or 0.0 for m in members)
    missing = sum(1 for m in members if m.hours_low is None)
    return hours_range(low, high) + (f" + {missing} unestimated" if missing else "")


def _draw_module_box(
    axes: Axes,
    module: ModuleStats,
    x: float,
    y: float,
    states: dict[str, str] | None,
) -> None:
    if states:
        face, edge = STATE_COLOURS[states[module.slug]], INK
    else:
        face, edge = "#ffffff", LAYER_COLOURS[module.layer or NO_LAYER]
    box = FancyBboxPatch(
        (x, y),
        BOX_WIDTH,
        BOX_HEIGHT,
        boxstyle="round,pad=0.02,rounding_size=0.08",
        facecolor=face,
        edgecolor=edge,
        linewidth=1.4,
        zorder=3,
    )
    box.set_gid(f"module-{module.slug}")
    axes.add_patch(box)
    ink = text_colour(face)
    difficulty = module.difficulty if module.difficulty is not None else "-"
    lines = [
        (module_label(module), 9.0, "bold", 0.52),
        (f"difficulty {difficulty}, {hours_text(module)}", 7.5, "normal", 0.3),
        (count(module.components, "component"), 7.5, "normal", 0.12),
    ]
    for text, size, weight, height in lines:
        axes.text(
            x + BOX_WIDTH / 2,
            y + height,
            text,
            ha="center",
            va="center",
            fontsize=size,
            fontweight=weight,
            color=ink,
            zorder=4,
        )
