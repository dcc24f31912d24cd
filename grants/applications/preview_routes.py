"""The officer's preview of a round's form: each page as an applicant will see it, checked as it will be
when posted, with nothing kept. Questions shown only on an earlier answer say so, as the preview has no
answers to decide by."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from wtforms.validators import Optional

from grants.applications.models import Application
from grants.applications.page_forms import UPLOAD_ACCEPT, page_form
from grants.applications.routes import bp
from grants.bidforms.kinds import condition_words
from grants.bidforms.queries import form_of
from grants.core.permissions import Role, roles_required
from grants.extensions import db
from grants.rounds.models import Round


@bp.route("/manage/rounds/<int:round_id>/form/preview/<page_key>", methods=["GET", "POST"])
@roles_required(Role.PROGRAMME_OFFICER)
def preview(round_id: int, page_key: str) -> Any:
    round_ = db.get_or_404(Round, round_id)
    bid_form = form_of(round_.id)
    page = bid_form.page(page_key)
    if page is None:
        abort(404)
    # A bid that is never kept: the blocks read the round's rules and amounts from it.
    application = Application(round=round_, round_id=round_.id, answers={}, title="", section_states={})
    if application in db.session:
        db.session.expunge(application)
    questions = list(page.questions)
    form = page_form(application, page, questions, posted=request.method == "POST")
    # Whether the section is finished is the applicant's to say: the preview checks only the answers.
    form.completed.validators = [Optional()]
    position = bid_form.pages.index(page)
    following = bid_form.pages[position + 1] if position + 1 < len(bid_form.pages) else None
    if request.method == "POST" and form.validate():
        if following is None:
            flash("That was the last page: an applicant would now check their answers and submit.", "info")
            return redirect(url_for("form_builder.overview", round_id=round_.id), code=303)
        return redirect(url_for("applications.preview", round_id=round_.id, page_key=following.key), code=303)
    return render_template(
        "applications/sections/page.html",
        application=application,
        form=form,
        page=page,
        questions=questions,
        uploaded={},
        upload_accept=UPLOAD_ACCEPT,
        title=page.title,
        preview={
            "round": round_,
            "number": position + 1,
            "pages": len(bid_form.pages),
            "conditions": {q.key: condition_words(q, bid_form.controlling(q)) for q in questions},
            "previous": bid_form.pages[position - 1] if position else None,
        },
    ), 400 if form.errors else 200
