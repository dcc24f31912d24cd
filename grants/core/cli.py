"""``flask --app wsgi jobs ...``: run the background jobs by hand, in this process.

For the embedded default (no worker, no beat) and for operations: catching up after an outage,
or checking what a sweep would do now. Each area adds its own jobs to the group when it is set up
(``register_job``), so this module knows none of them.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Run background jobs now, in this process.")


def register_job(command: click.Command) -> None:
    """Offer ``command`` as ``flask jobs <its name>`` (the same command twice is one)."""
    jobs_cli.add_command(command)
