"""In the browser: a programme officer adds an outcome measure (an empty form first, so the error
summary is shown and checked) and double-clicks its button, which adds it once; then corrects a
leadership participant's email address. axe checks every page reached."""

from __future__ import annotations

from grants.core.permissions import Role
from grants.extensions import db
from grants.leadership.models import Participant
from grants.monitoring.models import OutcomeMeasure
from tests.browser.setup_data import sign_in
from tests.factories import UserFactory, funded_project


def test_an_officer_adds_a_measure_with_a_double_click_and_corrects_a_participant(person, live_server):
    app = live_server.app
    with app.app_context():
        project = funded_project()
        UserFactory(roles=[Role.PROGRAMME_OFFICER], email="olu.officer@example.org", name="Olu Officer")
        db.session.add(Participant(project_id=project.id, name="Pat Leader", email="pat@exampel.org"))
        db.session.commit()
        project_id = project.id
        measures_before = db.session.scalar(
            db.select(db.func.count(OutcomeMeasure.id)).where(OutcomeMeasure.project_id == project_id)
        )

    olu = sign_in(person("Olu, programme officer"), "olu.officer@example.org", next_path=f"/projects/{project_id}")
    olu.go(f"/projects/{project_id}/monitoring")
    olu.click_button("Add an outcome measure")  # a link drawn as a GOV.UK button
    assert olu.h1() == "Add an outcome measure"
    olu.click_button("Save measure")
    assert olu.error_summary() == ["Enter the name of the measure", "Say why the measure is added or changed"]
    olu.fill("Measure", "People supported at home").fill("Unit (optional)", "people")
    olu.fill("Baseline (optional)", "120").fill("Target (optional)", "200")
    assert olu.page.get_by_label("Higher", exact=True).is_checked()  # the usual answer, already chosen
    olu.fill("Why is it added or changed?", "The board asked for a measure of people kept at home.")
    posts = []
    olu.page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    with olu.page.expect_navigation():
        olu.page.get_by_role("button", name="Save measure").dblclick()  # GOV.UK Frontend ignores the second
    olu.check()
    assert len(posts) == 1, posts  # the second click never left the browser
    assert "already been sent" not in olu.text()
    assert olu.path == f"/projects/{project_id}/monitoring#outcomes"
    assert "People supported at home" in olu.text()
    with app.app_context():
        count = db.select(db.func.count(OutcomeMeasure.id)).where(OutcomeMeasure.project_id == project_id)
        assert db.session.scalar(count) == measures_before + 1

    olu.go(f"/projects/{project_id}/leadership")
    olu.click_link("Change Pat Leader")
    assert olu.h1() == "Change a participant's details"
    olu.fill("Email address", "pat@example.org").click_button("Save changes")
    assert olu.path == f"/projects/{project_id}/leadership#participant-list"
    assert "Pat Leader's details have been saved." in olu.text()
    with app.app_context():
        assert db.session.scalar(db.select(Participant.email).where(Participant.project_id == project_id)) == (
            "pat@example.org"
        )
