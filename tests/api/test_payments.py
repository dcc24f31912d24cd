"""Money through the API: a project's record carries the pence released to it; a tranche's record the
payment reference, for tokens whose roles see payments (programme officer, finance approver) only."""

from grants.core.permissions import Role
from grants.funding.services import release
from tests.api.conftest import make_token
from tests.factories import ApplicantFactory, UserFactory, funded_project
from tests.funding.conftest import ready_to_request


def _released_project(db, officer, finance):
    project = funded_project()
    tranche = ready_to_request(project, officer)
    release.request_release(tranche, actor=officer)
    release.approve_release(tranche, actor=finance, payment_reference="BACS-0042")
    db.session.commit()
    return project, tranche


def test_projects_carry_the_amount_released(api, db, officer, finance):
    project, tranche = _released_project(db, officer, finance)
    token = make_token(finance)
    [listed] = [p for p in api.get("/projects", token)["data"] if p["id"] == project.id]
    assert listed["released_pence"] == tranche.amount_pence == 1_350_000
    assert api.get(f"/projects/{project.id}", token)["data"]["released_pence"] == 1_350_000
    unpaid = funded_project()
    assert api.get(f"/projects/{unpaid.id}", token)["data"]["released_pence"] == 0


def test_the_payment_reference_is_for_tokens_whose_roles_see_payments(api, db, officer, finance):
    project, tranche = _released_project(db, officer, finance)

    def reference(token):
        [record] = [t for t in api.get("/tranches", token, project=project.reference)["data"] if t["id"] == tranche.id]
        return record["payment_reference"]

    assert reference(make_token(finance)) == "BACS-0042"
    assert reference(make_token(officer)) == "BACS-0042"
    assert reference(make_token(UserFactory(roles=[Role.STEERING_CHAIR]))) is None
    lead = ApplicantFactory(organisation=project.lead_organisation)
    assert reference(make_token(lead)) is None
    both = UserFactory(roles=[Role.PROGRAMME_OFFICER, Role.STEERING_CHAIR])
    assert reference(make_token(both, roles=[Role.STEERING_CHAIR])) is None  # the token's roles decide
