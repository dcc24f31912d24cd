"""The forms of a conversation: a message (with files, and for an officer a clarification request), and
the applicant's answer to a clarification request. Each creates a message, so each is sent once."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovFileInput, GovSubmitInput, GovTextArea
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import DataRequired

from grants.conversations.services import MAX_FILES, MAX_WORDS_CHARS
from grants.core.forms import Length, strip
from grants.core.once import OnceMixin

FILES_HINT = f"Up to {MAX_FILES} files, each a PDF, DOCX or ODT file smaller than 10 MB."
UPLOAD_ACCEPT = (
    ".pdf,.docx,.odt,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
    "application/vnd.oasis.opendocument.text"
)
CLARIFICATION_LABEL = "This is a clarification request (its answer is shown to those assessing the bid)"


def _words(label: str, missing: str) -> TextAreaField:
    return TextAreaField(
        label,
        widget=GovTextArea(),
        filters=[strip],
        validators=[DataRequired(missing), Length(max=MAX_WORDS_CHARS)],
    )


class MessageForm(OnceMixin, FlaskForm):
    body = _words("Your message", "Enter your message")
    files = MultipleFileField("Attach files (optional)", widget=GovFileInput(multiple=True), description=FILES_HINT)
    clarification = BooleanField(
        CLARIFICATION_LABEL,
        widget=GovCheckboxInput(),
        description="The applicant is asked to answer it, and the ranking shows that a clarification was asked.",
    )
    submit = SubmitField("Send message", widget=GovSubmitInput())


class AnswerForm(OnceMixin, FlaskForm):
    body = _words("Your answer", "Enter your answer")
    files = MultipleFileField("Attach files (optional)", widget=GovFileInput(multiple=True), description=FILES_HINT)
    submit = SubmitField("Send answer", widget=GovSubmitInput())
