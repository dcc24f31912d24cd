"""``flask --app wsgi jobs run-reminders``."""

from __future__ import annotations

import click


@click.command("run-reminders")
def run_reminders_command():
    """Queue every reminder that is due and not yet sent (safe to run again)."""
    from grants.extensions import db
    from grants.reminders.sweep import run_reminders

    counts = run_reminders()
    db.session.commit()
    total = sum(counts.values())
    for kind, count in counts.items():
        click.echo(f"{kind.replace('_', ' ')}: {count}")
    click.echo(f"{total} new reminder{'' if total == 1 else 's'} queued.")
