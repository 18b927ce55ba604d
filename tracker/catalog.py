"""Sync a metadata folder into the database in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from . import graph as graphs
from . import paths, schema
from .db import Database, lock_for_writers
from .metadata import Catalog, ModuleRecord, read_catalog
from .models import (
    Component,
    Module,
    ModuleAlias,
    Setting,
)

BUNDLED = "bundled"

_MODULE_FIELDS = (
    "number",
    "title",
    "description",
    "difficulty",
    "hours_low",
    "hours_high",
    "time_estimate",
    "layer",
    "source_path",
    "retired",
    "position",
    "level",
    "dependants",
)


@dataclass
class SyncReport:
    """The changes a sync made, or would make with ``check``."""

    source: str
    modules: int
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    rows_changed: int = 0
    warnings: list[str] = field(default_factory=list)
    checked_only: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.rows_changed)


def load_catalog(directory: Path | None, strict: bool = False) -> Catalog:
    """Read and validate a catalog folder (default: the bundled one), cycles included."""
    folder = Path(directory) if directory is not None else paths.bundled_catalog_dir()
    catalog = read_catalog(folder, strict=strict)
    catalog.source = BUNDLED if directory is None else str(folder.resolve())
    graph = graphs.build_graph(
        {m.slug: m.number for m in catalog.modules}, catalog.edges
    )
    graphs.check_acyclic(
        graph, {m.slug: m.source for m in catalog.modules}, catalog.edge_sources
    )
    return catalog


def sync_catalog(
    database: Database,
    directory: Path | None,
    *,
    strict: bool = False,
    check: bool = False,
) -> SyncReport:
    """Sync a catalog folder into the database; ``None`` is the bundled catalog.

    Everything happens in one transaction, so a failure leaves the database as
    it was. Modules missing from the folder are retired, never deleted, so
    their history stays. Syncing the same folder twice changes no row.
    """
    catalog = load_catalog(directory, strict=strict)
    report = SyncReport(
        source=catalog.source,
        modules=len(catalog.modules),
        warnings=list(catalog.warnings),
        checked_only=check,
    )
    if check:
        return report
    with database.session(write=True) as session:
        lock_for_writers(session, "catalog")
        _apply(session, catalog, report)
        if not report.changed:
            # Nothing to write: a rollback keeps the file untouched.
            session.rollback()
    return report


def _graph_facts(graph: nx.DiGraph) -> dict[str, dict[str, int]]:
    order = graphs.learning_path(graph)
    levels = graphs.levels(graph)
    dependants = graphs.dependant_counts(graph)
    return {
        slug: {
            "position": index,
            "level": levels[slug],
            "dependants": dependants[slug],
        }
        for index, slug in enumerate(order)
    }


def _module_values(record: ModuleRecord, facts: dict[str, int]) -> dict[str, object]:
    return {
        "number": record.number,
        "title": record.title,
        "description": record.description,
        "difficulty": record.difficulty,
        "hours_low": record.hours_low,
        "hours_high": record.hours_high,
        "time_estimate": record.time_estimate,
        "layer": record.layer,
        "source_path": record.path,
        "retired": False,
        **facts,
    }


def _apply(session: Session, catalog: Catalog, report: SyncReport) -> None:
    graph = graphs.build_graph(
        {m.slug: m.number for m in catalog.modules}, catalog.edges
    )
    facts = _graph_facts(graph)
    existing = {m.slug: m for m in session.scalars(select(Module))}
    ids: dict[str, int] = {}
    for record in catalog.modules:
        values = _module_values(record, facts[record.slug])
        row = existing.get(record.slug)
        if row is None:
            row = Module(slug=record.slug, **values)
            session.add(row)
            report.added.append(record.slug)
            report.rows_changed += 1
        else:
            changed = [k for k in _MODULE_FIELDS if getattr(row, k) != values[k]]
            if changed:
                if row.retired:
                    report.restored.append(record.slug)
                else:
                    report.updated.append(record.slug)
                for key in changed:
                    setattr(row, key, values[key])
                report.rows_changed += 1
    session.flush()
    for row in session.scalars(select(Module)):
        ids[row.slug] = row.id
    wanted = {m.slug for m in catalog.modules}
    for slug, row in existing.items():
        if slug not in wanted and not row.retired:
            row.retired = True
            row.position = None
            row.level = None
            row.dependants = 0
            report.retired.append(slug)
            report.rows_changed += 1
    active = {ids[slug] for slug in wanted}

    edges = {(ids[m], ids[p]) for m, p in catalog.edges}
    report.rows_changed += _sync_pairs(session, schema.dependencies, edges)
    closure = {
        (ids[slug], ids[prerequisite])
        for slug, prerequisites in graphs.transitive_prerequisites(graph).items()
        for prerequisite in prerequisites
    }
    report.rows_changed += _sync_pairs(session, schema.prerequisite_closure, closure)
    report.rows_changed += _sync_aliases(session, catalog, ids)
    report.rows_changed += _sync_components(session, catalog, ids, active)
    report.rows_changed += _set(session, "catalog_source", catalog.source)
    report.rows_changed += _set(session, "catalog_fingerprint", catalog.fingerprint)


def _sync_pairs(session: Session, table: Table, wanted: set[tuple[int, int]]) -> int:
    """Make a (module_id, prerequisite_id) table hold exactly ``wanted``."""
    columns = table.c
    present: set[tuple[int, int]] = {
        (module_id, prerequisite_id)
        for module_id, prerequisite_id in session.execute(
            select(columns.module_id, columns.prerequisite_id)
        )
    }
    removed = present - wanted
    added = sorted(wanted - present)
    for module_id, prerequisite_id in removed:
        session.execute(
            delete(table).where(
                columns.module_id == module_id,
                columns.prerequisite_id == prerequisite_id,
            )
        )
    if added:
        session.execute(
            insert(table),
            [{"module_id": m, "prerequisite_id": p} for m, p in added],
        )
    return len(removed) + len(added)


def _sync_aliases(session: Session, catalog: Catalog, ids: dict[str, int]) -> int:
    # A module's own slug resolves through the modules table, so only other
    # names are stored as aliases.
    wanted = {
        alias: ids[slug] for alias, slug in catalog.aliases.items() if alias != slug
    }
    present = dict(
        session.execute(select(ModuleAlias.alias, ModuleAlias.module_id)).all()
    )
    changes = 0
    for alias, module_id in present.items():
        if wanted.get(alias) != module_id:
            session.execute(delete(ModuleAlias).where(ModuleAlias.alias == alias))
            changes += 1
    session.flush()
    for alias, module_id in sorted(wanted.items()):
        if present.get(alias) != module_id:
            session.add(ModuleAlias(alias=alias, module_id=module_id))
            changes += 1
    session.flush()
    return changes


def _sync_components(
    session: Session, catalog: Catalog, ids: dict[str, int], active: set[int]
) -> int:
    wanted: dict[tuple[int, str], tuple[str | None, str | None, int]] = {}
    for record in catalog.modules:
        for index, component in enumerate(record.components):
            key = (ids[record.slug], component.name)
            wanted.setdefault(key, (component.kind, component.description, index))
    present = {(c.module_id, c.name): c for c in session.scalars(select(Component))}
    changes = 0
    for key, row in present.items():
        if key not in wanted:
            if row.module_id in active:
                session.delete(row)
                changes += 1
            continue
        kind, description, position = wanted[key]
        if (row.kind, row.description, row.position) != (kind, description, position):
            row.kind, row.description, row.position = kind, description, position
            changes += 1
    for key, (kind, description, position) in wanted.items():
        if key not in present:
            session.add(
                Component(
                    module_id=key[0],
                    name=key[1],
                    kind=kind,
                    description=description,
                    position=position,
                )
            )
            changes += 1
    session.flush()
    return changes


def _set(session: Session, key: str, value: str) -> int:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
        return 1
    if row.value != value:
        row.value = value
        return 1
    return 0
