"""factory_boy factories: data for tests, written the way the product talks about it."""

from __future__ import annotations

import factory
from werkzeug.security import generate_password_hash

from grants.accounts.models import User, UserRole
from grants.core.permissions import Role
from grants.directory.models import Organisation, Place, Theme
from grants.extensions import db

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt")


class BaseFactory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class PlaceFactory(BaseFactory):
    class Meta:
        model = Place

    name = factory.Sequence(lambda n: f"Borough {n}")
    ons_code = factory.Sequence(lambda n: f"E0{n:07d}")
    region = "North West"


class ThemeFactory(BaseFactory):
    class Meta:
        model = Theme

    slug = factory.Sequence(lambda n: f"theme-{n}")
    name = factory.Sequence(lambda n: f"Wicked issue {n}")
    description = "An issue no single agency can solve alone."


class OrganisationFactory(BaseFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Partnership Organisation {n}")
    sector = "voluntary_community"
    org_id = factory.Sequence(lambda n: f"GB-CHC-{1100000 + n}")
    charity_number = factory.LazyAttribute(lambda o: o.org_id.rsplit("-", 1)[-1])
    address_line_1 = "1 High Street"
    town = "Wigan"
    postcode = "WN1 1AA"
    place = factory.SubFactory(PlaceFactory)


def _grant_roles(default=()):
    def grant(user, create, extracted, **kwargs):
        chosen = default if extracted is None else extracted
        user.role_grants = [UserRole(role=Role(role).value) for role in chosen]
        if create:
            db.session.flush()

    return factory.PostGeneration(grant)


class UserFactory(BaseFactory):
    """``UserFactory(roles=[Role.STEERING_MEMBER])``; every user's password is ``PASSWORD``."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Person {n}")
    password_hash = _PASSWORD_HASH
    is_active = True
    roles = _grant_roles()


class ApplicantFactory(UserFactory):
    """An applicant who belongs to an organisation."""

    organisation = factory.SubFactory(OrganisationFactory)
    roles = _grant_roles(default=[Role.APPLICANT])
