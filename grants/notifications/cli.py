"""``flask --app wsgi jobs send-outbox``."""

from __future__ import annotations

import click


@click.command("send-outbox")
def send_outbox_command():
    """Send every email that is waiting and due, over one connection."""
    from grants.notifications.tasks import send_pending_now

    outcome = send_pending_now()
    if not outcome:
        click.echo("No email waiting to be sent.")
    for status, count in sorted(outcome.items()):
        click.echo(f"{status}: {count}")
