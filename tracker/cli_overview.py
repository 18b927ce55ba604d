"""Curriculum commands: ``overview`` and the ``chart`` diagram subcommands.

Importing this module stays cheap: the analysis and the plotting code are
imported inside the commands.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .cli import chart, cli, emit_json, json_option, with_database


def overlay_option(function: Callable[..., Any]) -> Callable[..., Any]:
    # Unlike the learner commands, no TT_PROGRESS_USER default: without
    # --user a diagram shows the bare curriculum.
    return click.option(
        "--user",
        "-u",
        metavar="HANDLE",
        help="Overlay this learner's states (completed, in progress, ready, locked).",
    )(function)


def output_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help="File to write; .png, .svg or .pdf chooses the format.",
    )(function)


@cli.command(short_help="Summarise the curriculum.")
@click.option(
    "--charts",
    metavar="DIR",
    type=click.Path(path_type=Path),
    help="Also write the four diagrams as PNG files into DIR (created if missing).",
)
@overlay_option
@json_option
@with_database(read_only=True)
def overview(
    charts: Path | None, user: str | None, as_json: bool, database: Any
) -> None:
    """Print modules, components, hours, levels, the critical path and every
    module's statistics; with --user, that learner's progress too."""
    from .analysis import curriculum_overview

    if charts is not None:
        from .diagrams import prepare_folder

        prepare_folder(charts)
    result = curriculum_overview(database, user)
    if as_json:
        emit_json(result)
    else:
        click.echo(_overview_text(result))
    if charts is not None:
        from .diagrams import render_all

        for path in render_all(database, charts, user):
            click.echo(f"Chart written to {path}", err=as_json)


def _write_diagram(
    database: Any,
    kind: str,
    output: str,
    user: str | None,
    layout: str = "hierarchical",
) -> None:
    from .diagrams import render_diagram

    target = render_diagram(database, kind, output, user, layout)
    click.echo(f"Chart written to {target}")


@chart.command("graph", short_help="Draw the dependency graph.")
@click.option(
    "--layout",
    type=click.Choice(["hierarchical", "circular"]),
    default="hierarchical",
    show_default=True,
    help="Levels as rows with prerequisites above, or the modules on a circle.",
)
@output_option
@overlay_option
@with_database(read_only=True)
def chart_graph(layout: str, output: str, user: str | None, database: Any) -> None:
    """Draw the dependency graph: nodes coloured by difficulty or learner state and
    sized by components, the critical path in red."""
    _write_diagram(database, "graph", output, user, layout)


@chart.command("architecture", short_help="Draw the layered architecture.")
@output_option
@overlay_option
@with_database(read_only=True)
def chart_architecture(output: str, user: str | None, database: Any) -> None:
    """Draw the layers from foundation to production, their modules and the
    dependencies between layers."""
    _write_diagram(database, "architecture", output, user)


@chart.command("roadmap", short_help="Draw the learning roadmap.")
@output_option
@overlay_option
@with_database(read_only=True)
def chart_roadmap(output: str, user: str | None, database: Any) -> None:
    """Draw the learning path as a timeline on cumulative hours, with each
    module's difficulty and a milestone where a layer is finished."""
    _write_diagram(database, "roadmap", output, user)


@chart.command("components", short_help="Draw the component analysis.")
@output_option
@overlay_option
@with_database(read_only=True)
def chart_components(output: str, user: str | None, database: Any) -> None:
    """Draw components per module, difficulty against hours, and the modules of
    each layer."""
    _write_diagram(database, "components", output, user)


def _hours(hours: dict[str, Any]) -> str:
    from .render import hours_range

    text = hours_range(hours["low"], hours["high"])
    missing = hours.get("unestimated") or []
    if missing:
        text += f" (no estimate: {', '.join(missing)})"
    return text


def _overview_text(result: dict[str, Any]) -> str:
    learner = result.get("learner")
    return "\n".join(
        [
            *_summary_lines(result),
            "",
            _layer_table(result),
            "",
            _module_table(result["modules"], with_state=learner is not None),
        ]
    )


def _summary_lines(result: dict[str, Any]) -> list[str]:
    path = result["critical_path"]
    levels = result["levels"].values()
    from .render import count_of

    counts = (
        f"Curriculum: {count_of(result['total_modules'], 'module')}, "
        f"{count_of(result['total_components'], 'component')}, "
        f"{count_of(result['total_dependencies'], 'dependency', 'dependencies')}"
    )
    critical = (
        f"Critical path: {_hours(path['hours'])} over "
        f"{count_of(len(path['modules']), 'module')}: {' -> '.join(path['modules'])}"
    )
    lines = [
        counts,
        f"Hours: {_hours(result['total_hours'])}",
        f"Levels: {min(levels, default=0)} to {max(levels, default=0)}",
        critical,
    ]
    learner = result.get("learner")
    if learner:
        upcoming = ", ".join(learner["next_modules"]) or "nothing is ready"
        lines.append(
            f"Learner {learner['handle']}: {learner['completed']}/{learner['total']} "
            f"modules completed ({learner['percent']:.1f}%), "
            f"{_hours(learner['hours_remaining'])} remaining; next: {upcoming}"
        )
    return lines


def _layer_table(result: dict[str, Any]) -> str:
    from .render import hours_range, table

    modules = {m["slug"]: m for m in result["modules"]}
    rows = []
    for layer, slugs in result["modules_per_layer"].items():
        members = [modules[slug] for slug in slugs]
        low = sum(m["hours_low"] or 0.0 for m in members)
        high = sum(m["hours_high"] or 0.0 for m in members)
        components = sum(m["components"] for m in members)
        rows.append([layer, len(members), components, hours_range(low, high)])
    return table(["layer", "modules", "components", "hours"], rows)


def _module_table(modules: list[dict[str, Any]], with_state: bool) -> str:
    from .render import STATE_TEXT, hours_range, number, table

    headers = ["#", "module", "layer", "level", "difficulty", "components", "hours"]
    headers.append("unlocks (direct/all)")
    rows = []
    for m in modules:
        row = [
            number(m["number"]),
            m["slug"],
            m["layer"] or "-",
            m["level"],
            m["difficulty"] or "-",
            m["components"],
            hours_range(m["hours_low"], m["hours_high"]),
            f"{m['direct_dependants']}/{m['dependants']}",
        ]
        if with_state:
            row.append(STATE_TEXT[m["state"]])
        rows.append(row)
    return table(headers + (["state"] if with_state else []), rows)
