"""The ``push`` and ``pull`` commands: events between a local and a shared database.

Imported by tracker.cli for its side effect of registering the commands. Only
click and the standard library are imported at the top, so that learner
commands stay fast.
"""

from __future__ import annotations

from typing import Any

import click
from click.core import ParameterSource

from .cli import cli, db_option, emit_json, json_option, user_option


def _print_report(report: Any, verb: str, as_json: bool) -> None:
    if as_json:
        emit_json(report.as_dict())
        return
    who = ", ".join(report.learners) or "no learner"
    events = "event" if report.copied == 1 else "events"
    present = "was" if report.already_present == 1 else "were"
    click.echo(
        f"{verb} {report.copied} new {events} of {who} from {report.source} to "
        f"{report.target}; {report.already_present} {present} already there."
    )


@cli.command(short_help="Send local events to a shared database.")
@click.option(
    "--to",
    "shared_url",
    required=True,
    metavar="URL",
    help="The shared database: a SQLAlchemy URL or a SQLite file path.",
)
@click.option(
    "--all", "all_learners", is_flag=True, help="Send every local learner's events."
)
@user_option
@json_option
@db_option
def push(
    shared_url: str,
    all_learners: bool,
    user: str | None,
    as_json: bool,
    db_url: str | None,
) -> None:
    """Send a learner's local events (every learner's with --all) to a shared database.

    Events already there are skipped, so pushing twice is safe.
    """
    from .sharing import push_events

    source = click.get_current_context().get_parameter_source("user")
    if all_learners and source == ParameterSource.COMMANDLINE:
        raise click.UsageError("Give either --user or --all, not both.")
    report = push_events(
        db_url,
        shared_url,
        user=None if all_learners else user,
        all_learners=all_learners,
    )
    _print_report(report, "Pushed", as_json)


@cli.command(short_help="Bring a learner's events from a shared database.")
@click.option(
    "--from",
    "shared_url",
    required=True,
    metavar="URL",
    help="The shared database: a SQLAlchemy URL or a SQLite file path.",
)
@user_option
@json_option
@db_option
def pull(shared_url: str, user: str | None, as_json: bool, db_url: str | None) -> None:
    """Copy a learner's events from a shared database into the local one.

    Use it on a new machine, or to catch up with events pushed from another
    one. Events already there are skipped.
    """
    from .sharing import pull_events

    report = pull_events(shared_url, db_url, user=user)
    _print_report(report, "Pulled", as_json)
