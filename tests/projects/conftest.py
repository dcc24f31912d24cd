"""A funded project and its lead applicant, for the projects tests (the funding tests have their own)."""

import pytest

from tests.factories import funded_project


@pytest.fixture
def project(db):
    return funded_project()


@pytest.fixture
def lead(project):
    return project.application.lead_applicant
