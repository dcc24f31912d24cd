"""Odd input, races and large numbers: refused with a message, never a 500 or a half-change."""

import io
import threading
import tracemalloc
import zipfile

import pytest

from grants.applications import services
from grants.applications.models import Application
from grants.documents.models import Document
from grants.documents.storage import ODT_MIMETYPE, detect_type
from grants.extensions import db as _db
from tests.factories import ApplicationFactory, PartnerFactory, RoundFactory, complete_bid
from tests.fixtures.clients import sign_in_client
from tests.helpers import error_summary, field_error


@pytest.fixture
def bid(db):
    return ApplicationFactory()


@pytest.fixture
def lead(app, bid):
    return sign_in_client(app, bid.lead_applicant)


def test_large_amounts_are_kept_whole(db, bid, lead):
    response = lead.post(
        f"/applications/{bid.id}/sections/budget",
        data={
            "amount_requested": "50,000,000",
            "completed": "no",
            "budget_lines-0-description": "Everything",
            "budget_lines-0-amount": "50,000,000",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Application, bid.id)
    assert stored.amount_requested_pence == 5_000_000_000
    assert stored.budget_lines[0].amount_pence == 5_000_000_000


def test_an_amount_beyond_any_grant_is_explained(db, bid, lead):
    html = lead.post(
        f"/applications/{bid.id}/sections/budget", data={"amount_requested": "2,000,000,000", "completed": "no"}
    ).get_data(as_text=True)
    assert field_error(html, "amount_requested") == "Amount requested: enter an amount of £1,000,000,000 or less"


def test_an_amount_requested_of_nothing_is_explained(db, bid, lead):
    html = lead.post(
        f"/applications/{bid.id}/sections/budget", data={"amount_requested": "0", "completed": "no"}
    ).get_data(as_text=True)
    assert field_error(html, "amount_requested") == "The amount requested must be more than £0"


def test_a_round_of_many_places_has_a_budget_of_tens_of_millions(db, programme_officer_client):
    from grants.rounds.models import Round
    from tests.rounds.test_rounds import NEW_ROUND

    response = programme_officer_client.post("/manage/rounds/new", data={**NEW_ROUND, "places": "1000"})
    assert response.status_code == 302
    assert db.session.scalars(db.select(Round)).one().budget_pence == 2_700_000_000


@pytest.mark.parametrize("answer", ["maybe", ""])
def test_an_odd_answer_to_the_completed_question_is_explained(db, bid, lead, answer):
    response = lead.post(f"/applications/{bid.id}/sections/vision", data={"shared_vision": "x", "completed": answer})
    assert response.status_code == 400
    assert error_summary(response.get_data(as_text=True))


def test_a_declined_partner_does_not_count_towards_the_sectors(app, db):
    bid = complete_bid(ApplicationFactory())
    bid.partners[0].organisation.sector = bid.lead_organisation.sector
    db.session.commit()
    PartnerFactory(application=bid, status="declined")  # an NHS partner that said no
    problems = [p.message for p in services.submission_problems(bid)]
    assert "The lead organisation and its confirmed partners must come from at least 2 sectors" in problems


def test_odd_filter_values_and_wildcards_are_harmless(db, programme_officer_client):
    ApplicationFactory(title="100% local")
    ApplicationFactory(title="Entirely elsewhere")
    assert programme_officer_client.get("/manage/applications/?round=²&place=99999999999").status_code == 200
    page = programme_officer_client.get("/manage/applications/?q=%25").get_data(as_text=True)
    assert "100% local" in page and "Entirely elsewhere" not in page


@pytest.mark.parametrize(
    "path", ["/manage/applications/99999999999999999999", "/applications/4294967296", "/rounds/99999999999999"]
)
def test_an_id_too_large_for_the_database_is_not_found(db, programme_officer_client, path):
    assert programme_officer_client.get(path).status_code == 404


def test_a_zip_that_unpacks_to_gigabytes_is_not_unpacked(db):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", ODT_MIMETYPE + b"\0" * 200_000_000)
    assert len(buffer.getvalue()) < 1_000_000
    tracemalloc.start()
    kind = detect_type(buffer.getvalue())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert kind is None
    assert peak < 20_000_000


def test_a_file_written_for_a_change_that_failed_is_removed(app, db, bid, lead, upload_folder, monkeypatch):
    from tests.applications.test_uploads import PDF

    before = sorted(path.name for path in upload_folder.iterdir())

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services.rules, "section_problems", broken)
    with pytest.raises(RuntimeError):
        lead.post(
            f"/applications/{bid.id}/sections/match",
            content_type="multipart/form-data",
            data={
                "match_funder": "Board",
                "match_amount": "10,000",
                "completed": "yes",
                "evidence": (io.BytesIO(PDF), "pledge.pdf"),
            },
        )
    assert sorted(path.name for path in upload_folder.iterdir()) == before
    assert db.session.scalars(db.select(Document)).all() == []


# --- Races, on PostgreSQL with real commits -----------------------------------------------------------------


def _in_thread(app, work, *args):
    errors = []

    def run():
        with app.app_context():
            try:
                work(*args)
                _db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported to the test
                _db.session.rollback()
                errors.append(error)

    thread = threading.Thread(target=run)
    return thread, errors


def test_bids_submitted_at_the_same_moment_get_different_references(app, committed_db):
    round_ = RoundFactory(code="LV9")
    first, second = complete_bid(ApplicationFactory(round=round_)), complete_bid(ApplicationFactory(round=round_))
    ids = [(first.id, first.lead_applicant_id), (second.id, second.lead_applicant_id)]

    def submit(application_id, user_id):
        from grants.accounts.models import User

        application = _db.session.get(Application, application_id)
        user = _db.session.get(User, user_id)
        application.round  # noqa: B018 - load it before the other submission commits
        services.submit_application(application, actor=user)

    threads = [_in_thread(app, submit, *pair) for pair in ids]
    for thread, _ in threads:
        thread.start()
    for thread, _ in threads:
        thread.join(30)
    assert [errors for _, errors in threads] == [[], []]
    _db.session.expire_all()
    references = sorted(_db.session.scalars(_db.select(Application.reference)))
    assert references == ["LV9-0001", "LV9-0002"]


def test_a_change_arriving_after_a_submission_is_refused(app, committed_db):
    from grants.accounts.models import User

    bid = complete_bid(ApplicationFactory())
    with app.app_context():
        stale = _db.session.get(Application, bid.id)
        user = _db.session.get(User, bid.lead_applicant_id)
        assert stale.status == "draft"  # loaded before the submission below
        thread, errors = _in_thread(
            app,
            lambda: services.submit_application(
                _db.session.get(Application, bid.id), actor=_db.session.get(User, bid.lead_applicant_id)
            ),
        )
        thread.start()
        thread.join(30)
        assert errors == []
        with pytest.raises(services.NotEditable, match="has been submitted"):
            services.save_section(
                stale,
                "budget",
                {
                    "amount_requested_pence": 100,
                    "budget_lines": [{"description": "after submission", "amount_pence": 100}],
                },
                complete=False,
                actor=user,
            )
        _db.session.rollback()
    _db.session.expire_all()
    stored = _db.session.get(Application, bid.id)
    assert stored.status == "submitted" and stored.amount_requested_pence == 2_700_000
    assert [line.description for line in stored.budget_lines] == ["Facilitated workshops", "Citizen panel"]
