"""A bid under review, one reviewer assigned to it, and that reviewer signed in."""

from __future__ import annotations

import pytest

from tests.factories import ReviewAssignmentFactory, under_review_bid
from tests.fixtures.clients import sign_in_client


@pytest.fixture
def bid(db):
    return under_review_bid()


@pytest.fixture
def assignment(bid):
    return ReviewAssignmentFactory(application=bid)


@pytest.fixture
def reviewer(app, assignment):
    return sign_in_client(app, assignment.reviewer)
