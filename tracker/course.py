"""Read-only views of the synced catalog: one module's facts and the learning path."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from .db import Database
from .learners import resolve_module
from .models import Component, Dependency, Module, ModuleAlias, PrerequisiteClosure


@dataclass
class ModuleInfo:
    """Every stored field of one module, with its neighbours and components."""

    slug: str
    number: int | None
    title: str
    description: str
    difficulty: int | None
    hours_low: float | None
    hours_high: float | None
    time_estimate: str | None
    layer: str | None
    source_path: str
    retired: bool
    position: int | None
    level: int | None
    dependants: int
    aliases: list[str]
    prerequisites: list[str]
    all_prerequisites: list[str]
    enables: list[str]
    components: list[dict[str, str | None]]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _slugs(session, module_ids) -> list[str]:  # type: ignore[no-untyped-def]
    ids = list(module_ids)
    if not ids:
        return []
    return list(
        session.scalars(
            select(Module.slug)
            .where(Module.id.in_(ids))
            .order_by(Module.position, Module.number, Module.slug)
        )
    )


def module_info(database: Database, name: str) -> ModuleInfo:
    """Return the stored facts of one module, found by any of its names."""
    with database.session() as session:
        module = resolve_module(session, name)
        direct = session.scalars(
            select(Dependency.prerequisite_id).where(Dependency.module_id == module.id)
        )
        closure = session.scalars(
            select(PrerequisiteClosure.prerequisite_id).where(
                PrerequisiteClosure.module_id == module.id
            )
        )
        enables = session.scalars(
            select(Dependency.module_id).where(Dependency.prerequisite_id == module.id)
        )
        aliases = session.scalars(
            select(ModuleAlias.alias)
            .where(ModuleAlias.module_id == module.id)
            .order_by(ModuleAlias.alias)
        )
        components = session.scalars(
            select(Component)
            .where(Component.module_id == module.id)
            .order_by(Component.position, Component.name)
        )
        return ModuleInfo(
            slug=module.slug,
            number=module.number,
            title=module.title,
            description=module.description,
            difficulty=module.difficulty,
            hours_low=module.hours_low,
            hours_high=module.hours_high,
            time_estimate=module.time_estimate,
            layer=module.layer,
            source_path=module.source_path,
            retired=module.retired,
            position=module.position,
            level=module.level,
            dependants=module.dependants,
            aliases=list(aliases),
            prerequisites=_slugs(session, direct),
            all_prerequisites=_slugs(session, closure),
            enables=_slugs(session, enables),
            components=[
                {"name": c.name, "kind": c.kind, "description": c.description}
                for c in components
            ],
        )


def learning_path(database: Database, goal: str | None = None) -> list[dict[str, Any]]:
    """Return the learning path stored by the last sync, optionally up to a goal.

    The order is topological with ties broken by module number.
    """
    with database.session() as session:
        query = select(
            Module.slug,
            Module.number,
            Module.title,
            Module.level,
            Module.hours_low,
            Module.hours_high,
        ).where(Module.retired.is_(False))
        if goal is not None:
            target = resolve_module(session, goal)
            needed = select(PrerequisiteClosure.prerequisite_id).where(
                PrerequisiteClosure.module_id == target.id
            )
            query = query.where((Module.id == target.id) | Module.id.in_(needed))
        rows = session.execute(query.order_by(Module.position)).all()
    return [row._asdict() for row in rows]
