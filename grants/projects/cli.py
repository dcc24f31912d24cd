"""``flask --app wsgi jobs start-closeouts``."""

from __future__ import annotations

import click


@click.command("start-closeouts")
def start_closeouts_command():
    """Move active projects whose end date has passed to closing (safe to run again)."""
    from grants.extensions import db
    from grants.projects.ending import start_due_closings

    moved = start_due_closings()
    db.session.commit()
    click.echo(f"{len(moved)} project{'' if len(moved) == 1 else 's'} moved to close-out.")
