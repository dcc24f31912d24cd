"""``flask --app wsgi reference-data load``: the local authority areas and default themes a new
deployment needs before anyone can bid."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from grants.directory.models import Place
from grants.directory.reference import ReferenceDataError, load_reference_data
from grants.extensions import db

reference_data_cli = AppGroup("reference-data", help="Load the reference data every deployment needs.")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@reference_data_cli.command("load")
def load_command():
    """Add or update the local authority areas (ONS) and add the default themes. Safe to run again."""
    try:
        result = load_reference_data()
    except ReferenceDataError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    total = db.session.scalar(select(func.count()).select_from(Place))
    click.echo(
        f"Local authority areas: {len(result.areas_added)} added, {len(result.areas_updated)} updated, "
        f"{len(result.areas_removed)} removed; {_plural(total, 'area')} in all."
    )
    if result.areas_kept:
        click.echo(
            f"Kept {_plural(len(result.areas_kept), 'area')} no longer in the ONS list, because organisations, "
            f"bids, projects, enablers or learning still refer to them: {', '.join(sorted(result.areas_kept))}."
        )
    click.echo(f"Themes: {len(result.themes_added)} added.")
    if not result.changed:
        click.echo("Nothing changed: the reference data was already up to date.")
