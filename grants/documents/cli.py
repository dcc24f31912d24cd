"""``flask --app wsgi jobs sweep-uploads``."""

from __future__ import annotations

import click


@click.command("sweep-uploads")
def sweep_uploads_command():
    """Remove uploaded files no document names, left more than a day ago by a process that was killed."""
    from grants.documents.services import sweep_orphans
    from grants.extensions import db

    removed = sweep_orphans()
    db.session.commit()
    click.echo(f"{len(removed)} file{'' if len(removed) == 1 else 's'} left behind removed.")
