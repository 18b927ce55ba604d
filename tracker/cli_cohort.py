"""Instructor commands: ``cohort``, ``import``, ``export`` and two cohort charts.

Importing this module is cheap: it imports only click and the command line's
shared options, and each command imports the library it needs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, cast

import click

from .cli import chart as chart_command
from .cli import cli, emit_json, json_option, user_option, with_database
from .sorting import LEARNER_SORTS, MODULE_SORTS

chart = cast(click.Group, chart_command)


def cohort_option(function: Any) -> Any:
    return click.option(
        "--cohort",
        "cohort",
        metavar="NAME",
        help="Only the learners of this cohort [default: every learner].",
    )(function)


def reverse_option(function: Any) -> Any:
    return click.option("--reverse", is_flag=True, help="Sort in descending order.")(
        function
    )


def skip_option(function: Any) -> Any:
    return click.option(
        "--skip-invalid",
        is_flag=True,
        help="Skip invalid rows and list them, instead of failing the import.",
    )(function)


@cli.group("cohort", short_help="Cohorts, their progress tables and reports.")
def cohort_group() -> None:
    """Manage cohorts of learners and see how they progress."""


@cohort_group.command("create", short_help="Create a cohort.")
@click.argument("name")
@with_database
def cohort_create(name: str, database: Any) -> None:
    """Create the cohort NAME."""
    from .membership import create_cohort

    click.echo(f"Created cohort '{create_cohort(database, name)}'.")


@cohort_group.command("add", short_help="Add learners to a cohort.")
@click.argument("name")
@click.argument("users", nargs=-1)
@click.option(
    "--roster",
    type=click.Path(path_type=Path),
    help="CSV file with a handle column and optional display_name and email columns.",
)
@with_database
def cohort_add(
    name: str, users: tuple[str, ...], roster: Path | None, database: Any
) -> None:
    """Add learners USERS (and those of --roster) to the cohort NAME."""
    from .membership import add_members
    from .render_cohort import membership_text

    change = add_members(database, name, list(users), roster)
    click.echo(membership_text(change, "Added", "to", "Already members"))


@cohort_group.command("remove", short_help="Remove learners from a cohort.")
@click.argument("name")
@click.argument("users", nargs=-1, required=True)
@with_database
def cohort_remove(name: str, users: tuple[str, ...], database: Any) -> None:
    """Remove learners USERS from the cohort NAME; their progress is kept."""
    from .membership import remove_members
    from .render_cohort import membership_text

    change = remove_members(database, name, list(users))
    click.echo(membership_text(change, "Removed", "from", "Not members"))


@cohort_group.command("list", short_help="List the cohorts.")
@json_option
@with_database(read_only=True)
def cohort_list(as_json: bool, database: Any) -> None:
    """List the cohorts with their number of learners."""
    from .membership import list_cohorts
    from .render_cohort import cohorts_text

    rows = list_cohorts(database)
    if as_json:
        emit_json([row.as_dict() for row in rows])
    else:
        click.echo(cohorts_text(rows))


@cohort_group.command("status", short_help="Show the module table.")
@cohort_option
@click.option(
    "--sort",
    type=click.Choice(MODULE_SORTS),
    default="order",
    show_default=True,
    help="Column to sort the modules by.",
)
@reverse_option
@json_option
@with_database(read_only=True)
def cohort_status_command(
    cohort: str | None, sort: str, reverse: bool, as_json: bool, database: Any
) -> None:
    """Show each module's learners by state and its median actual time."""
    from .cohort import cohort_status
    from .render_cohort import status_text

    result = cohort_status(database, cohort, sort, reverse)
    if as_json:
        emit_json(result.as_dict())
    else:
        click.echo(status_text(result))


@cohort_group.command("learners", short_help="Show the learner table.")
@cohort_option
@click.option(
    "--sort",
    type=click.Choice(LEARNER_SORTS),
    default="handle",
    show_default=True,
    help="Column to sort the learners by.",
)
@reverse_option
@json_option
@with_database(read_only=True)
def cohort_learners_command(
    cohort: str | None, sort: str, reverse: bool, as_json: bool, database: Any
) -> None:
    """Show each learner's completed modules, hours, last activity and next module."""
    from .cohort import cohort_learners
    from .exchange import write_json
    from .render_cohort import learners_text

    rows = cohort_learners(database, cohort, sort, reverse)
    if as_json:
        # One learner per line: the C JSON encoder keeps a large table fast.
        write_json(sys.stdout, (row.as_dict() for row in rows))
    else:
        click.echo(learners_text(rows))


@cohort_group.command("stuck", short_help="List stuck learners.")
@cohort_option
@click.option(
    "--days",
    type=int,
    default=14,
    show_default=True,
    help="Report learners with no event in this many days.",
)
@click.option(
    "--factor",
    type=float,
    default=3.0,
    show_default=True,
    help="Report modules in progress longer than this many times the cohort's median.",
)
@json_option
@with_database(read_only=True)
def cohort_stuck(
    cohort: str | None, days: int, factor: float, as_json: bool, database: Any
) -> None:
    """List inactive learners and modules in progress for unusually long."""
    from .cohort import stuck_learners
    from .render_cohort import stuck_text

    rows = stuck_learners(database, cohort, days=days, factor=factor)
    if as_json:
        emit_json([row.as_dict() for row in rows])
    else:
        click.echo(stuck_text(rows))


@cohort_group.command("export", short_help="Export a table as CSV or JSON.")
@cohort_option
@click.option(
    "--table",
    "table",
    type=click.Choice(("learners", "modules", "events")),
    default="learners",
    show_default=True,
    help="What to export.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("csv", "json")),
    default="csv",
    show_default=True,
    help="File format.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="File to write; - or none for standard output.",
)
@with_database(read_only=True)
def cohort_export(
    cohort: str | None, table: str, fmt: str, output: Path | None, database: Any
) -> None:
    """Export the learner table, the module table or the event log."""
    from .exchange import export_table
    from .render import count_of

    output = _file_or_stdout(output)
    count = export_table(database, table, fmt, output, _stdout(output), cohort)
    if output is not None:
        click.echo(f"Wrote {count_of(count, 'row')} to {output}", err=True)


@cohort_group.command("report", short_help="Write an HTML report.")
@cohort_option
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    required=True,
    help="HTML file to write.",
)
@click.option(
    "--days",
    type=int,
    default=14,
    show_default=True,
    help="Report learners with no event in this many days as stuck.",
)
@with_database(read_only=True)
def cohort_report(cohort: str | None, output: Path, days: int, database: Any) -> None:
    """Write one self-contained HTML page with the tables, stuck learners and charts."""
    from .report import write_report

    click.echo(f"Report written to {write_report(database, output, cohort, days)}")


def _stdout(output: Path | None) -> Any:
    return sys.stdout if output is None else None


def _file_or_stdout(output: Path | None) -> Path | None:
    """Return None, meaning standard output, for ``-o -``."""
    return None if output is not None and str(output) == "-" else output


@cli.group("import", short_help="Import progress from files.")
def import_group() -> None:
    """Import progress events; importing the same file twice stores each event once."""


def _print_import(report: Any, as_json: bool) -> None:
    from .render_cohort import import_text

    if as_json:
        emit_json(report.as_dict())
        return
    click.echo(import_text(report))
    for row in report.skipped:
        click.secho(f"Skipped {row.location}: {row.message}", err=True, fg="yellow")


@import_group.command("tito", short_help="Import a tito progress file.")
@click.argument("progress_json", type=click.Path(path_type=Path))
@user_option
@skip_option
@json_option
@with_database
def import_tito_command(
    progress_json: Path,
    user: str | None,
    skip_invalid: bool,
    as_json: bool,
    database: Any,
) -> None:
    """Import the progress file TinyTorch's tito writes (naive times are local)."""
    from .imports import import_tito

    report = import_tito(database, progress_json, user, skip_invalid=skip_invalid)
    _print_import(report, as_json)


@import_group.command("events", short_help="Import events from a file.")
@click.argument("file", type=click.Path(path_type=Path))
@skip_option
@json_option
@with_database
def import_events_command(
    file: Path, skip_invalid: bool, as_json: bool, database: Any
) -> None:
    """Import events from FILE: CSV, JSON Lines or a JSON array.

    Each row has user, module, kind (started, completed or reset) and time
    (ISO 8601; local time without an offset), and may have uid and source.
    """
    from .imports import import_events

    _print_import(import_events(database, file, skip_invalid=skip_invalid), as_json)


@cli.group("export", short_help="Export progress to files.")
def export_group() -> None:
    """Export progress in the formats that 'tt-progress import' reads."""


@export_group.command("events", short_help="Export the event log.")
@cohort_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("csv", "jsonl")),
    default="csv",
    show_default=True,
    help="File format.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="File to write; - or none for standard output.",
)
@with_database(read_only=True)
def export_events(
    cohort: str | None, fmt: str, output: Path | None, database: Any
) -> None:
    """Write the event log with uids, so that importing it elsewhere is exact."""
    from .exchange import export_table
    from .render import count_of

    output = _file_or_stdout(output)
    count = export_table(database, "events", fmt, output, _stdout(output), cohort)
    if output is not None:
        click.echo(f"Wrote {count_of(count, 'event')} to {output}", err=True)


@chart.command("cohort", short_help="Heatmap of learners x modules.")
@cohort_option
@click.option("--output", "-o", required=True, metavar="FILE", help="Chart file.")
@with_database(read_only=True)
def chart_cohort(cohort: str | None, output: str, database: Any) -> None:
    """Draw a learners x modules heatmap of states, modules in learning order."""
    from .charts import check_chart_path, save_figure
    from .cohort_charts import cohort_heatmap_figure

    check_chart_path(output)
    target = save_figure(cohort_heatmap_figure(database, cohort), output)
    click.echo(f"Chart written to {target}")


@chart.command("funnel", short_help="Completions per module.")
@cohort_option
@click.option("--output", "-o", required=True, metavar="FILE", help="Chart file.")
@with_database(read_only=True)
def chart_funnel(cohort: str | None, output: str, database: Any) -> None:
    """Draw how many learners completed each module, in learning order."""
    from .charts import check_chart_path, save_figure
    from .cohort_charts import funnel_figure

    check_chart_path(output)
    target = save_figure(funnel_figure(database, cohort), output)
    click.echo(f"Chart written to {target}")
