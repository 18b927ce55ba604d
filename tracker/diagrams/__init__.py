"""The four curriculum diagrams and writing them to files.

Each figure function takes a `Curriculum` snapshot and, optionally, a
learner's `LearnerStatus`. With a status, modules are coloured by the
learner's state and a legend names the states. Difficulty is drawn as a
digit or as markers, never as star glyphs, which the default font lacks.
Figures are plain `matplotlib.figure.Figure` objects: nothing here uses
pyplot or needs a display.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from ..analysis import Curriculum, load_curriculum
from ..charts import check_chart_path, save_figure
from ..db import Database
from ..errors import InputError
from ..progress import LearnerStatus, learner_status
from .architecture import architecture_figure
from .components import components_figure
from .graph import LAYOUTS, check_layout, dependency_graph_figure
from .roadmap import roadmap_figure

__all__ = [
    "KINDS",
    "LAYOUTS",
    "architecture_figure",
    "components_figure",
    "dependency_graph_figure",
    "draw_all",
    "draw_diagram",
    "prepare_folder",
    "render_all",
    "render_diagram",
    "roadmap_figure",
    "save_all",
]

KINDS = ("graph", "architecture", "roadmap", "components")


def draw_diagram(
    curriculum: Curriculum,
    kind: str,
    status: LearnerStatus | None = None,
    layout: str = "hierarchical",
) -> Figure:
    """Draw one of `KINDS`; ``layout`` applies to the graph only."""
    if kind == "graph":
        return dependency_graph_figure(curriculum, status, layout)
    if kind == "architecture":
        return architecture_figure(curriculum, status)
    if kind == "roadmap":
        return roadmap_figure(curriculum, status)
    if kind == "components":
        return components_figure(curriculum, status)
    raise InputError(f"Unknown diagram {kind!r}; choose one of {', '.join(KINDS)}.")


def draw_all(
    curriculum: Curriculum, status: LearnerStatus | None = None
) -> dict[str, Figure]:
    """Draw every diagram, keyed by kind; the graph uses the hierarchical layout."""
    return {kind: draw_diagram(curriculum, kind, status) for kind in KINDS}


def prepare_folder(directory: str | Path) -> Path:
    """Return the folder for chart files, creating it if it does not exist."""
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise InputError(
            f"{str(folder)!r} is a file, not a folder. Give a folder for the charts."
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(
            f"Cannot create the chart folder {str(folder)!r}: {err.strerror}."
        ) from None
    return folder


def save_all(
    figures: dict[str, Figure], directory: str | Path, suffix: str = ".png"
) -> list[Path]:
    """Write each figure as ``<kind><suffix>`` into a folder, creating the folder."""
    folder = prepare_folder(directory)
    return [
        save_figure(figure, folder / f"{kind}{suffix}")
        for kind, figure in figures.items()
    ]


def render_diagram(
    database: Database,
    kind: str,
    output: str | Path,
    user: str | None = None,
    layout: str = "hierarchical",
) -> Path:
    """Draw one diagram of the synced catalog into a file; ``user`` overlays a learner.

    The file name and the layout are checked before anything is read or drawn.
    """
    target = check_chart_path(output)
    check_layout(layout)
    if kind not in KINDS:
        raise InputError(f"Unknown diagram {kind!r}; choose one of {', '.join(KINDS)}.")
    status = learner_status(database, user) if user is not None else None
    figure = draw_diagram(load_curriculum(database), kind, status, layout)
    return save_figure(figure, target)


def render_all(
    database: Database, directory: str | Path, user: str | None = None
) -> list[Path]:
    """Write the four diagrams of the synced catalog as PNG files into a folder."""
    status = learner_status(database, user) if user is not None else None
    return save_all(draw_all(load_curriculum(database), status), directory)
