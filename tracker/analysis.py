"""The curriculum as a whole: overview, learning path, levels, critical path,
per-module statistics, and `TinyTorchAnalyzer`, the facade over all of them.

Every view is built from a synced database, so any of them can also show one
learner's progress. The graph facts come from `tracker.graph`, the learner's
states from `tracker.progress`.
"""

from __future__ import annotations

import tempfile
import weakref
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import graph as graphs
from .course import module_info
from .db import Database, open_database
from .errors import InputError, OperationError
from .learners import current_handle, resolve_module
from .metadata import LAYERS
from .models import Component, Dependency, Module
from .progress import (
    COMPLETED,
    Hours,
    LearnerStatus,
    apply_states,
    learner_status,
    load_course,
    next_steps,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from typing_extensions import Self

# The layer name used for modules whose metadata names no layer.
NO_LAYER = "unassigned"


@dataclass
class ModuleStats:
    """One module's facts and its place in the prerequisite graph."""

    slug: str
    number: int | None
    title: str
    layer: str | None
    difficulty: int | None
    hours_low: float | None
    hours_high: float | None
    components: int
    level: int
    prerequisites: list[str]
    enables: list[str]
    dependants: int
    on_critical_path: bool = False

    @property
    def direct_dependants(self) -> int:
        return len(self.enables)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["direct_dependants"] = self.direct_dependants
        return data


@dataclass
class CriticalPath:
    """The prerequisite chain with the most hours.

    ``modules`` is the chain with the most low-estimate hours, and
    ``hours_low`` its hours: the least time the course can take. ``hours_high``
    is the most high-estimate hours of any chain, the same chain on the
    bundled catalog. Modules without an estimate count as zero hours.
    """

    modules: list[str]
    hours_low: float
    hours_high: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "modules": self.modules,
            "hours": {"low": self.hours_low, "high": self.hours_high},
        }


@dataclass
class Curriculum:
    """A snapshot of the synced catalog: modules in learning order and the graph."""

    modules: list[ModuleStats]
    graph: nx.DiGraph
    critical_path: CriticalPath
    dependencies: int
    by_slug: dict[str, ModuleStats] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.by_slug = {m.slug: m for m in self.modules}

    @property
    def learning_path(self) -> list[str]:
        return [m.slug for m in self.modules]

    @property
    def levels(self) -> dict[str, int]:
        return {m.slug: m.level for m in self.modules}

    def total_hours(self) -> Hours:
        hours = Hours()
        for module in self.modules:
            if module.hours_low is None or module.hours_high is None:
                hours.unestimated.append(module.slug)
            else:
                hours.low += module.hours_low
                hours.high += module.hours_high
        return hours

    def layers(self) -> dict[str, list[ModuleStats]]:
        """Group the modules by layer, in layer order, learning order within."""
        groups: dict[str, list[ModuleStats]] = {}
        for name in (*LAYERS, NO_LAYER):
            members = [m for m in self.modules if (m.layer or NO_LAYER) == name]
            if members:
                groups[name] = members
        return groups


def load_curriculum(database: Database) -> Curriculum:
    """Read the active modules, their dependencies and component counts, and
    compute levels, dependants and the critical path from the graph."""
    rows, pairs, counts = _read_catalog(database)
    slugs = {row.id: row.slug for row in rows}
    edges = [(slugs[m], slugs[p]) for m, p in pairs if m in slugs and p in slugs]
    graph = graphs.build_graph({row.slug: row.number for row in rows}, edges)
    chain, low = graphs.critical_path(graph, {r.slug: r.hours_low for r in rows})
    _, high = graphs.critical_path(graph, {r.slug: r.hours_high for r in rows})

    depth = graphs.levels(graph)
    dependants = graphs.dependant_counts(graph)
    order = graphs.learning_path(graph)
    rank = {slug: index for index, slug in enumerate(order)}
    by_slug = {row.slug: row for row in rows}
    modules = []
    for slug in order:
        row = by_slug[slug]
        modules.append(
            ModuleStats(
                slug=slug,
                number=row.number,
                title=row.title,
                layer=row.layer,
                difficulty=row.difficulty,
                hours_low=row.hours_low,
                hours_high=row.hours_high,
                components=counts.get(row.id, 0),
                level=depth[slug],
                prerequisites=sorted(graph.predecessors(slug), key=rank.__getitem__),
                enables=sorted(graph.successors(slug), key=rank.__getitem__),
                dependants=dependants[slug],
                on_critical_path=slug in chain,
            )
        )
    return Curriculum(modules, graph, CriticalPath(chain, low, high), len(edges))


def _read_catalog(database: Database) -> tuple[list[Any], list[Any], dict[int, int]]:
    """Return the active module rows, the dependency id pairs and the number of
    components per module id, read in one session."""
    with database.session() as session:
        rows = session.execute(
            select(
                Module.id,
                Module.slug,
                Module.number,
                Module.title,
                Module.layer,
                Module.difficulty,
                Module.hours_low,
                Module.hours_high,
            ).where(Module.retired.is_(False))
        ).all()
        pairs = session.execute(
            select(Dependency.module_id, Dependency.prerequisite_id)
        ).all()
        counts = dict(
            session.execute(
                select(Component.module_id, func.count()).group_by(Component.module_id)
            ).all()
        )
    return list(rows), list(pairs), counts


def overview(curriculum: Curriculum) -> dict[str, Any]:
    """Return the whole-course summary as plain data."""
    return {
        "total_modules": len(curriculum.modules),
        "total_components": sum(m.components for m in curriculum.modules),
        "total_dependencies": curriculum.dependencies,
        "total_hours": curriculum.total_hours().as_dict(),
        "difficulty_levels": {m.slug: m.difficulty for m in curriculum.modules},
        "modules_per_layer": {
            name: [m.slug for m in members]
            for name, members in curriculum.layers().items()
        },
        "learning_path": curriculum.learning_path,
        "levels": curriculum.levels,
        "critical_path": curriculum.critical_path.as_dict(),
        "modules": [m.as_dict() for m in curriculum.modules],
    }


def curriculum_overview(database: Database, user: str | None = None) -> dict[str, Any]:
    """Return `overview` of the synced catalog; with ``user``, that learner's state too.

    With a learner, each module gets a ``state`` and a ``learner`` entry contains
    the counts, the hours left and the ranked next modules.
    """
    result = overview(load_curriculum(database))
    if user is None:
        return result
    status = learner_status(database, user)
    states = {m.slug: m.state for m in status.modules}
    for module in result["modules"]:
        module["state"] = states.get(module["slug"])
    steps = next_steps(status)
    result["learner"] = {
        "handle": status.learner,
        "completed": status.completed,
        "total": status.total,
        "percent": status.percent,
        "counts": status.counts(),
        "hours_remaining": status.hours_remaining.as_dict(),
        "next_modules": [r.slug for r in steps.recommendations],
    }
    return result


def learning_path(database: Database, goal: str | None = None) -> list[str]:
    """Return the module slugs in learning order; with ``goal``, only what it needs."""
    curriculum = load_curriculum(database)
    if goal is None:
        return curriculum.learning_path
    target = _active_slug(database, goal, curriculum)
    return graphs.learning_path(curriculum.graph, goal=target)


def _active_slug(database: Database, name: str, curriculum: Curriculum) -> str:
    with database.session() as session:
        slug = resolve_module(session, name).slug
    if slug not in curriculum.by_slug:
        raise OperationError(
            f"Module '{slug}' was retired from the catalog. Choose an active "
            "module; 'tt-progress modules' lists them."
        )
    return slug


def recommendations(
    database: Database,
    user: str | None = None,
    goal: str | None = None,
    current_module: str | None = None,
) -> dict[str, Any]:
    """Rank the modules to do next and total the hours left, as plain data.

    Without ``current_module`` this reads the learner's stored progress (the
    learner is ``user``, then ``TT_PROGRESS_USER``, then the login name). With
    it, nothing is read from any learner: the result is for someone who has
    completed ``current_module`` and everything it needs. ``goal`` limits the
    remaining modules to the goal and its prerequisites.
    """
    if current_module is not None and user is not None:
        raise InputError(
            "Give either a learner or a current module, not both, because a "
            "current module replaces the learner's stored progress."
        )
    with database.session() as session:
        goal_slug = resolve_module(session, goal).slug if goal else None
        assumed = None
        if current_module is not None:
            assumed = _assumed_status(session, current_module)
    handle: str | None = None
    current: str | None = None
    if assumed is None:
        handle = current_handle(user)
        status = learner_status(database, handle)
    else:
        current, status = assumed
    steps = next_steps(status, goal_slug)
    return {
        "learner": handle,
        "current_module": current,
        "goal": goal_slug,
        "completed_modules": [m.slug for m in status.modules if m.state == COMPLETED],
        "next_modules": [r.as_dict() for r in steps.recommendations],
        "remaining_time": steps.remaining.as_dict(),
        "remaining_modules": steps.remaining_modules,
    }


def _assumed_status(session: Session, name: str) -> tuple[str, LearnerStatus]:
    """Return a module's slug and the status of a learner who completed it and
    everything it needs."""
    current = resolve_module(session, name)
    modules = load_course(session)
    by_slug = {m.slug: m for m in modules}
    if current.slug not in by_slug:
        raise OperationError(
            f"Module '{current.slug}' was retired from the catalog. Choose an "
            "active module; 'tt-progress modules' lists them."
        )
    done = {current.slug, *by_slug[current.slug].prerequisites}
    apply_states(modules, {slug: (COMPLETED, None, None) for slug in done})
    hours_done, hours_left = Hours(), Hours()
    for module in modules:
        (hours_done if module.slug in done else hours_left).add(module)
    return current.slug, LearnerStatus("", modules, hours_done, hours_left)


def module_details(database: Database, name: str) -> dict[str, Any]:
    """Return every stored field of one module, with its graph neighbours.

    On top of `tracker.course.module_info`: ``all_dependants`` (every module
    that needs it, directly or not), ``direct_dependants``,
    ``on_critical_path`` and ``component_count``.
    """
    info = module_info(database, name).as_dict()
    curriculum = load_curriculum(database)
    stats = curriculum.by_slug.get(info["slug"])
    if stats is None:
        info["all_dependants"] = []
        info["direct_dependants"] = 0
        info["on_critical_path"] = False
    else:
        after = nx.descendants(curriculum.graph, stats.slug)
        info["all_dependants"] = [s for s in curriculum.learning_path if s in after]
        info["direct_dependants"] = stats.direct_dependants
        info["on_critical_path"] = stats.on_critical_path
    info["component_count"] = len(info["components"])
    return info


class TinyTorchAnalyzer:
    """Curriculum analysis and diagrams over one synced database.

    ``db`` is a database URL, a SQLite path or an open `Database`; None opens
    the default database, which syncs the bundled catalog when it has none.
    ``modules_dir`` analyses that metadata folder instead: it is synced into
    a new SQLite database in a temporary folder, so every view is still built
    on a synced database, and the folder is removed by `close`. The
    folder's sync warnings are kept in ``sync_warnings``. Giving both is an
    error, because syncing a folder into an existing database would replace
    its catalog.

    Use it as a context manager, or call `close`, to release what it opened.
    A `Database` passed in stays open.
    """

    def __init__(
        self,
        db: str | Path | Database | None = None,
        modules_dir: str | Path | None = None,
    ) -> None:
        self.sync_warnings: list[str] = []
        self._owned: list[weakref.finalize] = []
        if modules_dir is not None and db is not None:
            raise InputError(
                "Give either a database or a metadata folder to analyse, not both."
            )
        if isinstance(db, Database):
            self.database = db
        elif modules_dir is not None:
            self.database = self._open_folder(Path(modules_dir))
        else:
            self.database = open_database(None if db is None else str(db))
            self._owned.append(weakref.finalize(self, self.database.dispose))

    def _open_folder(self, folder: Path) -> Database:
        from .catalog import load_catalog, sync_catalog

        # Validate first, so that an invalid folder leaves no temporary files.
        load_catalog(folder)
        scratch = tempfile.TemporaryDirectory(prefix="tt-progress-")
        self._owned.append(weakref.finalize(self, scratch.cleanup))
        url = f"sqlite:///{Path(scratch.name) / 'catalog.db'}"
        database = open_database(url, sync_catalog=False)
        # Dispose before the folder is removed: finalizers run last in, first out.
        self._owned.append(weakref.finalize(self, database.dispose))
        report = sync_catalog(database, folder)
        self.sync_warnings = report.warnings
        return database

    def close(self) -> None:
        """Close what the analyzer opened; a `Database` passed in stays open."""
        for finalizer in reversed(self._owned):
            finalizer()
        self._owned.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def curriculum(self) -> Curriculum:
        """Return a fresh snapshot of the synced catalog."""
        return load_curriculum(self.database)

    def get_tinytorch_overview(self) -> dict[str, Any]:
        return overview(self.curriculum())

    def get_learning_path(self, goal: str | None = None) -> list[str]:
        return learning_path(self.database, goal)

    def get_module_levels(self) -> dict[str, int]:
        return self.curriculum().levels

    def get_critical_path(self) -> dict[str, Any]:
        return self.curriculum().critical_path.as_dict()

    def get_module_statistics(self) -> list[dict[str, Any]]:
        return [m.as_dict() for m in self.curriculum().modules]

    def get_module_info(self, name: str) -> dict[str, Any]:
        return module_details(self.database, name)

    def get_learning_recommendations(
        self,
        user: str | None = None,
        goal: str | None = None,
        current_module: str | None = None,
    ) -> dict[str, Any]:
        return recommendations(self.database, user, goal, current_module)

    def learner_status(self, user: str | None) -> LearnerStatus | None:
        """Return the learner's status to overlay on a diagram, or None without one."""
        return None if user is None else learner_status(self.database, user)

    def create_dependency_graph_visualization(
        self, layout: str = "hierarchical", user: str | None = None
    ) -> Figure:
        from .diagrams import dependency_graph_figure

        return dependency_graph_figure(
            self.curriculum(), self.learner_status(user), layout
        )

    def create_system_architecture_diagram(self, user: str | None = None) -> Figure:
        from .diagrams import architecture_figure

        return architecture_figure(self.curriculum(), self.learner_status(user))

    def create_learning_roadmap(self, user: str | None = None) -> Figure:
        from .diagrams import roadmap_figure

        return roadmap_figure(self.curriculum(), self.learner_status(user))

    def create_component_analysis(self, user: str | None = None) -> Figure:
        from .diagrams import components_figure

        return components_figure(self.curriculum(), self.learner_status(user))

    def visualize_tinytorch_system(
        self,
        save_plots: bool = False,
        output_dir: str | Path | None = None,
        user: str | None = None,
    ) -> dict[str, Figure]:
        """Draw the four diagrams; with ``save_plots``, also write them as PNG files.

        The files are ``graph.png``, ``architecture.png``, ``roadmap.png`` and
        ``components.png`` in ``output_dir`` (default: the current folder).
        """
        from .diagrams import draw_all, save_all

        figures = draw_all(self.curriculum(), self.learner_status(user))
        if save_plots:
            save_all(
                figures, Path(output_dir) if output_dir is not None else Path.cwd()
            )
        return figures


# Shortcuts over the default database, under the names course material uses.


def get_tinytorch_overview() -> dict[str, Any]:
    with TinyTorchAnalyzer() as analyzer:
        return analyzer.get_tinytorch_overview()


def get_module_info(name: str) -> dict[str, Any]:
    with TinyTorchAnalyzer() as analyzer:
        return analyzer.get_module_info(name)


def get_learning_recommendations(
    current_module: str | None = None,
    user: str | None = None,
    goal: str | None = None,
) -> dict[str, Any]:
    with TinyTorchAnalyzer() as analyzer:
        return analyzer.get_learning_recommendations(user, goal, current_module)


def visualize_tinytorch_system(
    save_plots: bool = False,
    output_dir: str | Path | None = None,
    user: str | None = None,
) -> dict[str, Figure]:
    with TinyTorchAnalyzer() as analyzer:
        return analyzer.visualize_tinytorch_system(save_plots, output_dir, user)


def create_dependency_graph_visualization(
    layout: str = "hierarchical", user: str | None = None
) -> Figure:
    with TinyTorchAnalyzer() as analyzer:
        return analyzer.create_dependency_graph_visualization(layout, user)


def create_system_architecture_diagram(user: str | None = None) -> Figure:
    with TinyTorchAnalyzer() as analyzer:
        return analyzer.create_system_architecture_diagram(user)


def create_learning_roadmap(user: str | None = None) -> Figure:
    with TinyTorchAnalyzer() as analyzer:
        return analyzer.create_learning_roadmap(user)


def create_component_analysis(user: str | None = None) -> Figure:
    with TinyTorchAnalyzer() as analyzer:
        return analyzer.create_component_analysis(user)
