"""A bid's and a project's conversation pages: the messages oldest first and a form to write, a page for the
applicant to answer a clarification request, and a message's files. Those not in a conversation get a 404
(another organisation cannot tell it exists). Opening a conversation marks it read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required

from grants.applications.models import Application
from grants.conversations import permissions, queries, services
from grants.conversations.forms import UPLOAD_ACCEPT, AnswerForm, MessageForm
from grants.conversations.models import Message, Side, thread_of
from grants.core import actions
from grants.documents import storage
from grants.documents.models import Document
from grants.extensions import db
from grants.projects.access import project_or_404
from grants.projects.models import Project

bp = Blueprint("conversations", __name__)

# The service's fields, and the form's fields that show a refusal of each. A refused file (checked by its
# content) names no field: it is shown beside the files, the form's default.
FIELDS = {"body": "body", "files": "files", "clarification": "clarification"}
REFUSED = "message.send_refused"


def _bid_or_404(application_id: int) -> tuple[Application, Side]:
    application = db.session.get(Application, application_id)
    side = permissions.side_on_bid(current_user, application) if application is not None else None
    if application is None or side is None:
        abort(404)
    return application, side


def _project_or_404(project_id: int) -> tuple[Project, Side]:
    """The project and the person's side in its conversation (worked out once: for an enabler, it asks
    who supports the project now), or 404."""
    sides: dict[int, Side] = {}

    def takes_part(user: Any, project: Project) -> bool:
        side = permissions.side_on_project(user, project)
        if side is not None:
            sides[project.id] = side
        return side is not None

    project = project_or_404(project_id, may_see=takes_part)
    return project, sides[project.id]


def _at(endpoint: str, **values: Any) -> Callable[[Message], str]:
    """Where a sent message leads: its conversation, at the message."""
    return lambda message: url_for(endpoint, **values, _anchor=f"message-{message.id}")


# --- The conversation on a bid -------------------------------------------------------------------------


@bp.route("/applications/<int:application_id>/messages", methods=["GET", "POST"])
@login_required
def bid(application_id):
    application, side = _bid_or_404(application_id)
    form = MessageForm()
    # The box is offered while a clarification may be asked. An officer's ticked box on a page drawn before
    # the bid moved on is kept, for the service to refuse: never sent as a plain message instead.
    ticked = side == Side.PROGRAMME and request.method == "POST" and "clarification" in request.form
    if not permissions.can_ask_clarification(current_user, application) and not ticked:
        del form.clarification
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: services.send_on_bid(
                application,
                actor=current_user,
                body=form.body.data,
                clarification=bool("clarification" in form and form.clarification.data),
                files=form.files.data,
            ),
            refused=(REFUSED, application),
            form=form,
            field="files",
            fields=FIELDS,
            to=_at("conversations.bid", application_id=application.id),
            message="Your message has been sent.",
        )
        if done is not None:
            return done
    back = "applications.show" if side == Side.APPLICANT else "manage_applications.show"
    return _conversation(
        thread_of(application_id=application.id),
        side,
        form,
        subject=application,
        reference=application.reference or application.display_title,
        title=application.display_title,
        organisation=application.lead_organisation,
        back=url_for(back, application_id=application.id),
        on_bid=True,
    )


@bp.route("/applications/<int:application_id>/messages/<int:message_id>/answer", methods=["GET", "POST"])
@login_required
def answer(application_id, message_id):
    """The applicant answers a clarification request: the answer is shown to those assessing the bid."""
    application, _side = _bid_or_404(application_id)
    asked = queries.message_in(thread_of(application_id=application.id), message_id)
    if asked is None or not asked.is_clarification:
        abort(404)
    if not permissions.can_answer(current_user, asked, application):
        abort(403)
    form = AnswerForm()
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: services.send_on_bid(
                application, actor=current_user, body=form.body.data, answers=asked, files=form.files.data
            ),
            refused=(REFUSED, application),
            form=form,
            field="files",
            fields=FIELDS,
            to=_at("conversations.bid", application_id=application.id),
            message="Your answer has been sent. Those assessing your bid will see it beside the request.",
        )
        if done is not None:
            return done
    page = render_template(
        "conversations/answer.html",
        application=application,
        asked=asked,
        form=form,
        upload_accept=UPLOAD_ACCEPT,
    )
    return page, 400 if form.errors else 200


# --- The conversation on a project ----------------------------------------------------------------------


@bp.route("/projects/<int:project_id>/messages", methods=["GET", "POST"])
@login_required
def project(project_id):
    project, side = _project_or_404(project_id)
    form = MessageForm()
    del form.clarification  # asked on a bid, while it is checked or assessed
    if form.validate_on_submit():
        done = actions.carry_out(
            lambda: services.send_on_project(project, actor=current_user, body=form.body.data, files=form.files.data),
            refused=(REFUSED, project),
            form=form,
            field="files",
            fields=FIELDS,
            to=_at("conversations.project", project_id=project.id),
            message="Your message has been sent.",
        )
        if done is not None:
            return done
    return _conversation(
        thread_of(project_id=project.id),
        side,
        form,
        subject=project,
        reference=project.reference,
        title=project.title,
        organisation=project.lead_organisation,
        back=url_for("projects.show", project_id=project.id),
        on_bid=False,
    )


# --- The page ---------------------------------------------------------------------------------------------


def _conversation(thread: str, side: Side, form: MessageForm, *, subject: Any, **context: Any):
    """The conversation's messages (the programme team's with the steering group's requests to them), and
    the form. Opened, it is read up to its last message: the messages new to the person are marked."""
    messages = queries.messages_in(thread, team=side == Side.PROGRAMME)
    new = _new_to_reader(thread, side, messages) if request.method == "GET" else set()
    page = render_template(
        "conversations/thread.html",
        messages=messages,
        requests={message.id: message for message in messages if message.is_clarification},
        answered={message.answers_id for message in messages if message.answers_id is not None},
        new=new,
        side=side,
        form=form,
        upload_accept=UPLOAD_ACCEPT,
        **context,
    )
    if new:  # drawn first: the commit that keeps the reading leaves every message loaded expired
        queries.mark_read(current_user, thread, messages[-1].id)
        actions.record("message.read", subject, after={"thread": thread, "up_to": messages[-1].id, "new": len(new)})
    return page, 400 if form.errors else 200


def _new_to_reader(thread: str, side: Side, messages: list[Message]) -> set[int]:
    """The messages from the other sides since the person last read the conversation. Once the page is
    drawn it is read up to its last message (an upsert: two pages opened at the same moment are fine)."""
    last_read = queries.read_up_to(current_user, thread)
    return {message.id for message in messages if message.id > last_read and message.side != side.value}


# --- A message's files ------------------------------------------------------------------------------------


@bp.get("/messages/<int:message_id>/files/<int:document_id>")
@login_required
def file(message_id, document_id):
    message = db.session.get(Message, message_id)
    if message is None or not _may_read(message):
        abort(404)
    document = db.session.get(Document, document_id)
    if document is None or document.message_id != message.id:
        abort(404)
    actions.record("message.file_downloaded", document, after={"message_id": message.id, "thread": message.thread})
    return storage.send_document(document)


def _may_read(message: Message) -> bool:
    if message.project_id is not None:
        project = db.session.get(Project, message.project_id)
        return project is not None and permissions.can_read_message(current_user, message, project=project)
    application = db.session.get(Application, message.application_id)
    return application is not None and permissions.can_read_message(current_user, message, application=application)
