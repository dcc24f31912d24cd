"""``flask --app wsgi jobs compile-progress``."""

from __future__ import annotations

import click


@click.command("compile-progress")
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
