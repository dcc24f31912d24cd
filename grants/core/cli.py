"""``flask --app wsgi jobs ...``: run the background jobs by hand, in this process.

For the embedded default (no worker, no beat) and for operations: catching up after an outage,
or checking what a sweep would do now.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Run background jobs now, in this process.")


@jobs_cli.command("run-reminders")
def run_reminders_command() -> None:
    """Queue every reminder that is due and not yet sent (safe to run again)."""
    from grants.extensions import db
    from grants.reminders.sweep import run_reminders

    counts = run_reminders()
    db.session.commit()
    total = sum(counts.values())
    for kind, count in counts.items():
        click.echo(f"{kind.replace('_', ' ')}: {count}")
    click.echo(f"{total} new reminder{'' if total == 1 else 's'} queued.")


@jobs_cli.command("send-outbox")
def send_outbox_command() -> None:
    """Send every email that is waiting and due, over one connection."""
    from grants.notifications.tasks import send_pending_now

    outcome = send_pending_now()
    if not outcome:
        click.echo("No email waiting to be sent.")
    for status, count in sorted(outcome.items()):
        click.echo(f"{status}: {count}")


@jobs_cli.command("sweep-uploads")
def sweep_uploads_command() -> None:
    """Remove uploaded files no document names, left more than a day ago by a process that was killed."""
    from grants.documents.services import sweep_orphans
    from grants.extensions import db

    removed = sweep_orphans()
    db.session.commit()
    click.echo(f"{len(removed)} file{'' if len(removed) == 1 else 's'} left behind removed.")


@jobs_cli.command("compile-progress")
def compile_progress_command() -> None:
    """Compile the progress report of every project and the portfolio now."""
    from grants.core.errors import GrantsError
    from grants.progress.models import CompilationStatus
    from grants.progress.services import run_compile

    try:
        compilation = run_compile(trigger="cli")
    except GrantsError as error:  # one is already under way
        raise click.ClickException(error.message) from None
    if compilation.status != CompilationStatus.DONE:
        raise click.ClickException(f"The compile {compilation.status}: {compilation.error or 'see the log'}")
    click.echo(f"Compiled progress of {compilation.projects_total} projects (compilation {compilation.id}).")
