"""``flask --app wsgi export-360giving --out FILE [--round CODE_OR_ID] [--format json|csv]``: the awarded
grants in the 360Giving Data Standard, written to a file as they are read."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from grants.opendata import queries
from grants.opendata.export import FORMATS, NothingToPublish, prepare_export
from grants.opendata.threesixtygiving import Publisher


def _format_of(out: Path, given: str | None) -> str:
    if given:
        return given
    extension = out.suffix.lower().lstrip(".")
    if extension not in FORMATS:
        raise click.UsageError(
            f"Cannot tell the format from {out.name!r}: name the file .json or .csv, or give --format."
        )
    return extension


def _write(export, out: Path) -> None:
    """The export to ``out`` through a ``.partial`` file: a failed export never leaves half a file behind."""
    partial = out.with_name(out.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as file:
            for chunk in export.chunks():
                file.write(chunk)
        os.replace(partial, out)
    except OSError as error:
        raise click.ClickException(f"Could not write {out}: {error.strerror or error}") from None
    finally:
        partial.unlink(missing_ok=True)


@click.command("export-360giving")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The file to write.")
@click.option("--round", "round_", metavar="CODE_OR_ID", help="A round's code (LV1) or id; every round if left out.")
@click.option("--format", "format_", type=click.Choice(sorted(FORMATS)), help="Default: from the file's extension.")
@with_appcontext
def export_360giving_command(out: Path, round_: str | None, format_: str | None):
    """Write the awarded grants as a 360Giving data package (JSON) or spreadsheet (CSV)."""
    format_ = _format_of(out, format_)
    found = None
    if round_ is not None:
        found = queries.find_round(round_)
        if found is None:
            raise click.BadParameter(f"There is no round with the code or id {round_!r}.", param_hint="--round")
    publisher = Publisher.from_config(current_app.config)
    try:
        export = prepare_export(publisher, found, format_)
    except NothingToPublish as nothing:
        raise click.ClickException(nothing.message) from None
    if publisher.is_example:
        click.echo(
            f"Warning: the identifiers use the example prefix {publisher.prefix}; "
            "set OPEN_DATA_PREFIX before publishing.",
            err=True,
        )
    _write(export, out)
    grants = f"{export.written:,} grant{'' if export.written == 1 else 's'}"
    click.echo(f"Wrote {grants} to {out} (360Giving {format_.upper()}).")
