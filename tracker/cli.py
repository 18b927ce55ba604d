"""The ``tt-progress`` command line: parse options, call the library, print.

Exit status: 0 success, 1 the operation failed, 2 bad usage or bad input.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from .errors import InputError, MetadataError, TrackerError

EXIT_FAILED = 1
EXIT_USAGE = 2


class TrackerGroup(click.Group):
    """A group that turns library errors into one message and an exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TrackerError as err:
            _fail(err)


class BadInput(click.ClickException):
    exit_code = EXIT_USAGE


class OperationFailed(click.ClickException):
    exit_code = EXIT_FAILED


def _fail(err: TrackerError) -> None:
    message = str(err)
    if isinstance(err, MetadataError) and err.problems:
        message += "\n" + "\n".join(f"  {problem}" for problem in err.problems)
    if isinstance(err, InputError):
        raise BadInput(message) from None
    raise OperationFailed(message) from None


def db_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--db",
        "db_url",
        envvar="TT_PROGRESS_DB",
        metavar="URL",
        help="Database: a SQLAlchemy URL or a SQLite file path "
        "[env TT_PROGRESS_DB; default: progress.db in the application folder].",
    )(function)


def user_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--user",
        "-u",
        envvar="TT_PROGRESS_USER",
        metavar="HANDLE",
        help="Learner handle [env TT_PROGRESS_USER; default: your login name].",
    )(function)


def _parse_at(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    from .progress import parse_time

    return parse_time(value)


def at_option(function: Callable[..., Any]) -> Callable[..., Any]:
    # The time is parsed while the options are read, before the database is
    # opened, so an invalid --at creates no database file.
    return click.option(
        "--at",
        "at",
        metavar="TIME",
        callback=_parse_at,
        help="When it happened (ISO 8601; default now).",
    )(function)


def json_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(function)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False))


def open_db(db_url: str | None, **kwargs: Any):  # type: ignore[no-untyped-def]
    from .db import open_database

    return open_database(db_url, **kwargs)


def with_database(
    function: Callable[..., Any] | None = None, *, read_only: bool = False
) -> Any:
    """Open the database from ``--db`` and pass it as ``database``; close it after.

    Use ``@with_database(read_only=True)`` on commands that only read: they
    create no database given with ``--db`` on the command line, so that a
    mistyped path is reported rather than created. ``TT_PROGRESS_DB`` and the
    default database are created on first use by every command.
    """

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def wrapper(*args: Any, db_url: str | None = None, **kwargs: Any) -> Any:
            source = click.get_current_context().get_parameter_source("db_url")
            must_exist = read_only and source == ParameterSource.COMMANDLINE
            database = open_db(db_url, must_exist=must_exist)
            try:
                return command(*args, database=database, **kwargs)
            finally:
                database.dispose()

        return db_option(wrapper)

    return decorate(function) if function is not None else decorate


@click.group(cls=TrackerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-v", "--verbose", count=True, help="Log diagnostics to stderr (-vv: SQL)."
)
@click.version_option(package_name="tt-progress")
def cli(verbose: int) -> None:
    """Track progress through the TinyTorch curriculum.

    Exit status: 0 success, 1 the operation failed, 2 bad usage or bad input.
    """
    if verbose:
        logging.basicConfig(
            level=logging.DEBUG if verbose > 1 else logging.INFO,
            format="%(levelname)s %(name)s: %(message)s",
        )
        if verbose > 1:
            logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)


def _print_outcomes(outcomes: list[Any]) -> None:
    for outcome in outcomes:
        click.echo(outcome.message)
        if outcome.warning:
            click.secho(f"Warning: {outcome.warning}", err=True, fg="yellow")


@cli.command(short_help="Mark modules as started.")
@click.argument("modules", nargs=-1, required=True)
@at_option
@user_option
@with_database
def start(
    modules: tuple[str, ...], at: datetime | None, user: str | None, database: Any
) -> None:
    """Mark MODULES as started (by name, alias, number or numbered name)."""
    from .progress import record_events

    _print_outcomes(record_events(database, user, list(modules), "started", at))


@cli.command(short_help="Mark modules as completed.")
@click.argument("modules", nargs=-1, required=True)
@at_option
@user_option
@with_database
def complete(
    modules: tuple[str, ...], at: datetime | None, user: str | None, database: Any
) -> None:
    """Mark MODULES as completed (by name, alias, number or numbered name)."""
    from .progress import record_events

    _print_outcomes(record_events(database, user, list(modules), "completed", at))


@cli.command(short_help="Reset a module to not started.")
@click.argument("modules", nargs=-1, required=True)
@user_option
@with_database
def undo(modules: tuple[str, ...], user: str | None, database: Any) -> None:
    """Reset MODULES to not started. The history of events is kept."""
    from .progress import record_events

    _print_outcomes(record_events(database, user, list(modules), "reset"))


@cli.command(short_help="Show a learner's progress.")
@click.option(
    "--chart", "chart", metavar="FILE", help="Also write a chart (.png, .svg or .pdf)."
)
@user_option
@json_option
@with_database(read_only=True)
def status(chart: str | None, user: str | None, as_json: bool, database: Any) -> None:
    """Show completed modules, hours done and left, and every module's state."""
    from .progress import learner_status
    from .render import status_text

    if chart is not None:
        from .charts import check_chart_path

        check_chart_path(chart)
    result = learner_status(database, user)
    if as_json:
        emit_json(result.as_dict())
    else:
        click.echo(status_text(result))
    if chart is not None:
        from .charts import progress_chart, save_figure

        target = save_figure(progress_chart(result), chart)
        click.echo(f"Chart written to {target}", err=as_json)


@cli.command("next", short_help="Rank the modules to do next.")
@click.option("--goal", metavar="MODULE", help="Only what this module needs.")
@user_option
@json_option
@with_database(read_only=True)
def next_(goal: str | None, user: str | None, as_json: bool, database: Any) -> None:
    """List every module ready now, ranked, with the reason and the hours left."""
    from .progress import recommend
    from .render import next_text

    result = recommend(database, user, goal)
    if as_json:
        emit_json(result.as_dict())
    else:
        click.echo(next_text(result))


@cli.command(short_help="List the catalog with a learner's states.")
@user_option
@json_option
@with_database(read_only=True)
def modules(user: str | None, as_json: bool, database: Any) -> None:
    """List every module with its number, layer, difficulty, hours and state."""
    from .progress import learner_status
    from .render import STATE_TEXT, hours_range, number, table

    result = learner_status(database, user)
    if as_json:
        emit_json([m.as_dict() for m in result.modules])
        return
    click.echo(
        table(
            ["#", "module", "title", "layer", "difficulty", "hours", "state"],
            [
                [
                    number(m.number),
                    m.slug,
                    m.title,
                    m.layer or "-",
                    m.difficulty or "-",
                    hours_range(m.hours_low, m.hours_high),
                    STATE_TEXT[m.state],
                ]
                for m in result.modules
            ],
        )
    )


@cli.command(short_help="Show one module's metadata.")
@click.argument("module")
@json_option
@with_database(read_only=True)
def info(module: str, as_json: bool, database: Any) -> None:
    """Show MODULE's metadata, prerequisites, what it enables and its components."""
    from .course import module_info
    from .render import hours_range, number

    result = module_info(database, module)
    if as_json:
        emit_json(result.as_dict())
        return
    lines = [
        f"{number(result.number)} {result.slug}: {result.title}"
        + ("  [retired]" if result.retired else ""),
        f"  {result.description}" if result.description else "",
        f"  layer: {result.layer or '-'}   difficulty: {result.difficulty or '-'}   "
        f"hours: {hours_range(result.hours_low, result.hours_high)}"
        + (
            f" (estimate: {result.time_estimate!r})"
            if result.hours_low is None and result.time_estimate
            else ""
        ),
        f"  aliases: {', '.join(result.aliases) or '-'}",
        f"  prerequisites: {', '.join(result.prerequisites) or '-'}",
        f"  all prerequisites: {', '.join(result.all_prerequisites) or '-'}",
        f"  enables: {', '.join(result.enables) or '-'}",
        f"  modules depending on it: {result.dependants}",
        f"  source: {result.source_path}",
        "  components:",
    ]
    for component in result.components:
        detail = f" ({component['kind']})" if component["kind"] else ""
        text = f": {component['description']}" if component["description"] else ""
        lines.append(f"    - {component['name']}{detail}{text}")
    click.echo("\n".join(line for line in lines if line != ""))


@cli.command(short_help="Print the learning path.")
@click.option("--goal", metavar="MODULE", help="Only the path to this module.")
@json_option
@with_database(read_only=True)
def path(goal: str | None, as_json: bool, database: Any) -> None:
    """Print the modules in a valid learning order (ties broken by number)."""
    from .course import learning_path
    from .render import hours_range, number, table

    rows = learning_path(database, goal)
    if as_json:
        emit_json(rows)
        return
    click.echo(
        table(
            ["step", "#", "module", "level", "hours"],
            [
                [
                    i,
                    number(r["number"]),
                    r["slug"],
                    r["level"],
                    hours_range(r["hours_low"], r["hours_high"]),
                ]
                for i, r in enumerate(rows, start=1)
            ],
        )
    )


@cli.command(short_help="Load module metadata into the database.")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Validate only; write nothing.")
@click.option("--strict", is_flag=True, help="Treat every warning as an error.")
@db_option
def sync(directory: Path | None, check: bool, strict: bool, db_url: str | None) -> None:
    """Sync DIRECTORY (default: the bundled TinyTorch catalog) into the database.

    DIRECTORY contains one sub-folder per module, each with a module.yaml.
    """
    from .catalog import BUNDLED, load_catalog, sync_catalog
    from .render import count_of

    if check:
        catalog = load_catalog(directory, strict=strict)
        _print_warnings(catalog.warnings)
        modules = count_of(len(catalog.modules), "module")
        edges = count_of(len(catalog.edges), "dependency", "dependencies")
        click.echo(f"{modules}, {edges}: valid.")
        return
    # Validate before opening, so that an invalid folder writes nothing at all.
    load_catalog(directory, strict=strict)
    database = open_db(db_url, sync_catalog=False)
    try:
        report = sync_catalog(database, directory, strict=strict)
    finally:
        database.dispose()
    _print_warnings(report.warnings)
    if not report.changed:
        modules = count_of(report.modules, "module")
        click.echo(f"{modules}: already up to date, nothing changed.")
        return
    source = "the bundled catalog" if report.source == BUNDLED else report.source
    click.echo(f"Synced {count_of(report.modules, 'module')} from {source}.")
    for label, names in (
        ("added", report.added),
        ("updated", report.updated),
        ("restored", report.restored),
        ("retired", report.retired),
    ):
        if names:
            click.echo(f"  {label}: {', '.join(names)}")


def _print_warnings(warnings: list[str]) -> None:
    for warning in warnings:
        click.secho(f"Warning: {warning}", err=True, fg="yellow")


@cli.group(short_help="Database schema commands.")
def db() -> None:
    """Inspect and upgrade the database schema (Alembic)."""


@db.command("upgrade")
@db_option
def db_upgrade(db_url: str | None) -> None:
    """Create or upgrade the schema to the newest revision."""
    from .db import display_url, open_database, resolve_url
    from .migrate import current_revision

    database = open_database(db_url, sync_catalog=False)
    try:
        click.echo(
            f"{display_url(resolve_url(db_url))} is at revision "
            f"{current_revision(database.engine)}."
        )
    finally:
        database.dispose()


@db.command("current")
@db_option
def db_current(db_url: str | None) -> None:
    """Print the schema revision, without creating or changing anything."""
    from .db import schema_revision
    from .migrate import head_revision

    url, version, exists = schema_revision(db_url)
    head = head_revision()
    state = "up to date" if version == head else f"behind head {head}"
    missing = "" if exists else " No database file exists there yet."
    click.echo(f"{url}: revision {version or 'none'} ({state}).{missing}")


@cli.group(short_help="Draw charts of the curriculum or a cohort.")
def chart() -> None:
    """Write a chart to a file (PNG, SVG or PDF, chosen by the file's suffix)."""


# Command groups defined in their own modules register themselves on import.
# Each import stays cheap: the modules import heavy libraries inside commands.
from . import (
    cli_cohort,  # noqa: F401
    cli_overview,  # noqa: F401
    cli_sharing,  # noqa: F401
)


def main() -> None:
    cli.main(prog_name="tt-progress")


if __name__ == "__main__":  # pragma: no cover
    main()
