"""The progress report: the latest compiled report, earlier ones, the button that compiles a new one
(and its progress while it runs), the report as CSV, Excel and PDF, and one project's row as a PDF."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, url_for
from flask_login import current_user

from grants.core import actions, pdf
from grants.core.forms import ActionForm
from grants.core.pagination import paginate
from grants.core.permissions import roles_required
from grants.core.times import format_datetime
from grants.extensions import db
from grants.progress import downloads, queries, services
from grants.progress.models import CompilationStatus, ProgressCompilation
from grants.progress.permissions import COMPILERS, READERS, can_compile, can_read_progress, sees_small_groups
from grants.progress.report import (
    compiled_measures,
    flat_row,
    flat_totals,
    is_given_up,
    portfolio_leadership,
    project_leadership,
)
from grants.projects.models import STATUS_LABELS, Project
from grants.projects.permissions import hidden_application_ids, viewable_project_ids
from grants.projects.queries import CompiledProgress

bp = Blueprint("progress", __name__, url_prefix="/progress")
REFRESH_SECONDS = 5
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_DOWNLOADED = "progress.pdf_downloaded"


def _report(compilation: ProgressCompilation | None) -> dict:
    """What the page shows of a finished compilation, as this person may see it."""
    if compilation is None or compilation.status != CompilationStatus.DONE:
        return {"report": None}
    staff = sees_small_groups(current_user)
    hidden = hidden_application_ids(current_user)  # projects a steering-group member is conflicted with
    rows = downloads.shown_rows(compilation, hidden)
    return {
        "report": compilation,
        "staff": staff,
        "status_labels": STATUS_LABELS,
        "rows": [flat_row(row, staff=staff) for row in rows if not is_given_up(row)],
        "given_up": [flat_row(row, staff=staff) for row in rows if is_given_up(row)],
        "viewable": viewable_project_ids(current_user, [row["project_id"] for row in rows]),
        "left_out": len(compilation.rows) - len(rows),
        "totals": flat_totals(compilation.figures, staff=staff),
        "leadership": portfolio_leadership(compilation.figures, staff=staff),
    }


def _page(template: str, shown: ProgressCompilation | None, *, error: str | None = None, status=200, **extra):
    under_way = queries.active()
    return render_template(
        template,
        under_way=under_way,
        refresh=REFRESH_SECONDS if under_way is not None else None,
        can_compile=can_compile(current_user),
        compile_form=ActionForm(formdata=None),
        error=error,
        **_report(shown),
        **extra,
    ), status


def _index(error: str | None = None, status: int = 200):
    return _page(
        "progress/index.html",
        queries.latest_done(),
        error=error,
        status=status,
        latest_attempt=queries.latest_attempt(),
        page=paginate(queries.compilations_statement()),
    )


@bp.get("/")
@roles_required(*READERS)
def index():
    return _index()


@bp.get("/<int:compilation_id>")
@roles_required(*READERS)
def show(compilation_id):
    compilation = db.get_or_404(ProgressCompilation, compilation_id)
    return _page("progress/show.html", compilation, compilation=compilation)


@bp.post("/compile")
@roles_required(*COMPILERS)
def start():
    if not ActionForm().validate_on_submit():
        abort(400)
    return actions.carry_out(
        lambda: services.start_compile(current_user, "officer"),
        # A refusal names the compile already under way (or, one started at the same moment, the request).
        refused=("progress.compile_refused", queries.active()),
        to=url_for("progress.index"),
        message=_compile_started,
        show=lambda refusal: _index(error=refusal.message, status=409),
    )


def _compile_started(compilation: ProgressCompilation) -> str:
    """Said once the request has committed: jobs that run in the same process (the embedded default) have
    compiled the report by then, and a worker may have too."""
    if compilation.status == CompilationStatus.DONE:
        return "The progress report is compiled: it is shown below."
    return "The progress report is being compiled. This page shows it when it is ready."


def _finished(compilation_id: int) -> ProgressCompilation:
    compilation = db.get_or_404(ProgressCompilation, compilation_id)
    if compilation.status != CompilationStatus.DONE:
        abort(404)
    return compilation


def _filename(compilation: ProgressCompilation, extension: str) -> str:
    return f"progress-report-{compilation.finished_at:%Y-%m-%d}-{compilation.id}.{extension}"


def _download(body, mimetype: str, compilation: ProgressCompilation, extension: str) -> Response:
    filename = _filename(compilation, extension)
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/<int:compilation_id>.csv")
@roles_required(*READERS)
def csv(compilation_id):
    compilation = _finished(compilation_id)
    body = downloads.csv_text(
        compilation, staff=sees_small_groups(current_user), hidden=hidden_application_ids(current_user)
    )
    return _download(body, "text/csv", compilation, "csv")


@bp.get("/<int:compilation_id>.xlsx")
@roles_required(*READERS)
def xlsx(compilation_id):
    compilation = _finished(compilation_id)
    body = downloads.xlsx_bytes(
        compilation, staff=sees_small_groups(current_user), hidden=hidden_application_ids(current_user)
    )
    return _download(body, XLSX, compilation, "xlsx")


@bp.get("/<int:compilation_id>.pdf", endpoint="pdf")
@roles_required(*READERS)
def pdf_report(compilation_id):
    """The report as its page shows it to this person (the projects of bids they declared a conflict with
    left out, as in the CSV), to keep or to attach to board papers."""
    compilation = _finished(compilation_id)
    shown = _report(compilation)
    filename = _filename(compilation, "pdf")
    body = pdf.render_pdf(
        "pdf/progress.html",
        title=f"Progress across the portfolio: the report compiled {format_datetime(compilation.finished_at)}",
        **shown,
    )
    actions.record(
        PDF_DOWNLOADED,
        compilation,
        after={"document": "progress report", "filename": filename, "projects": len(shown["rows"] + shown["given_up"])},
    )
    return pdf.pdf_download(body, filename)


def _project_row(compilation: ProgressCompilation, project_id: int) -> dict:
    """The project's compiled row, or 404 where its row on the report's page would not be linked: a
    project not in this report, left out of it for a declared conflict, or one the person may not open."""
    rows = downloads.shown_rows(compilation, hidden_application_ids(current_user))
    row = next((row for row in rows if row["project_id"] == project_id), None)
    if row is None or project_id not in viewable_project_ids(current_user, [project_id]):
        abort(404)
    return row


@bp.get("/<int:compilation_id>/projects/<int:project_id>.pdf")
@roles_required(*READERS)
def project_pdf(compilation_id, project_id):
    """One project's row of a finished report as a PDF, as the report's page shows it to this person (the
    leadership shift within the same small-numbers and closed-stages rules), with its outcome measures
    against their targets: for those who may read the report and open the project."""
    compilation = _finished(compilation_id)
    row = _project_row(compilation, project_id)
    staff = sees_small_groups(current_user)
    filename = f"progress-{row['reference']}-{compilation.finished_at:%Y-%m-%d}-{compilation.id}.pdf"
    body = pdf.render_pdf(
        "pdf/project_progress.html",
        title=f"{row['reference']} {row['title']}: progress as compiled {format_datetime(compilation.finished_at)}",
        report=compilation,
        row=flat_row(row, staff=staff),
        measures=compiled_measures(row),
        leadership=project_leadership(row, staff=staff),
        staff=staff,
    )
    actions.record(
        PDF_DOWNLOADED,
        compilation,
        after={"document": "project's progress", "project_id": project_id, "filename": filename},
    )
    return pdf.pdf_download(body, filename)


def compiled_progress(user, project: Project) -> CompiledProgress | None:
    """For the project's page: its row in the latest finished report as a PDF, for someone who may read the
    report (the page is only shown to those who may open the project); no query for anyone else."""
    if not can_read_progress(user):
        return None
    found = queries.latest_done_listing(project.id)
    if found is None:
        return None
    compilation_id, finished_at = found
    return CompiledProgress(
        href=url_for("progress.project_pdf", compilation_id=compilation_id, project_id=project.id),
        compiled_at=finished_at,
    )
