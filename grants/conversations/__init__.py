"""Conversations on bids and projects between the programme team, the applicant's organisation and the
project's enabler; clarification requests shown to those assessing a bid."""

from flask import Flask


def init_app(app: Flask) -> None:
    from grants.applications.queries import count_unread_messages_with as count_on_bids_with
    from grants.conversations import models  # noqa: F401
    from grants.conversations.queries import unread_on_bid, unread_on_project
    from grants.conversations.routes import bp
    from grants.core.permissions import Role
    from grants.core.queues import register_queue
    from grants.projects.queries import count_unread_messages_with as count_on_projects_with

    app.register_blueprint(bp)
    # The bid's pages and the project's page link to their conversation, saying how much is unread.
    count_on_bids_with(unread_on_bid)
    count_on_projects_with(unread_on_project)
    # Unread messages come first on the home of everyone in a conversation: an answer may be waited on.
    for role in (Role.APPLICANT, Role.PROGRAMME_OFFICER, Role.ENABLER):
        register_queue(role, "conversations.unread", _unread_messages(role), order=5)


def _unread_messages(role):
    def build(user):
        from grants.conversations.queues import unread_messages

        return unread_messages(user, role)

    return build
