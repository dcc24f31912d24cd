"""A funded project (set up: its agreement not yet signed) and its lead applicant; the programme officer
and finance approver come from ``tests/fixtures/clients.py``."""

import pytest

from tests.factories import funded_project
from tests.projects.helpers import pay_first_tranche, start


@pytest.fixture
def project(db):
    return funded_project()


@pytest.fixture
def lead(project):
    return project.application.lead_applicant


@pytest.fixture
def active_project(project, officer):
    start(project, officer)
    return project


@pytest.fixture
def paid_project(project, officer, finance):
    """Active, with its first tranche released (approved by ``finance``)."""
    pay_first_tranche(project, officer, finance)
    return project
