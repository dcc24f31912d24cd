"""The programme's places, themes and organisations, and its people: an applicant for every lead
organisation, the steering group, the enablers with their profiles, programme officers, finance
approvers and an administrator."""

from __future__ import annotations

import math

from werkzeug.security import generate_password_hash

from grants.accounts import two_factor
from grants.accounts.models import User, UserRole, new_session_token
from grants.core.permissions import Role
from grants.demo.data import PLACES, THEMES
from grants.demo.scale.base import DOMAIN, Organisation, Place, Scale
from grants.directory import models as directory
from grants.enablers.models import APPROACHES, REGIONS, EnablerProfile, enabler_places, enabler_themes
from grants.extensions import db

MAX_PLACES = 300
PREFIXES = "Ash Brook Castle Elm Fair Green Hol Kings Lang Mill North Oak Red Stan West Whit Bar Cole Dun Har Pen Wel"
SUFFIXES = "bridge borough field ford ham ley minster mouth stead ton wick worth"
# (sector, name, identifier scheme): an organisation of each kind in each place, in this order.
KINDS = [
    ("local_government", "{town} Council", "LAE"),
    ("nhs", "{town} Primary Care Network", "NHS"),
    ("voluntary_community", "{town} Council for Voluntary Service", "CHC"),
    ("housing", "{town} Homes", "COH"),
    ("public_health", "{town} Public Health Partnership", None),
    ("police", "{town} Neighbourhood Policing Team", None),
    ("social_care", "{town} Care Partnership", None),
    ("voluntary_community", "{town} Community Trust", "CHC"),
    ("private", "{town} Active Lives Ltd", "COH"),
    ("education", "{town} College", "CHC"),
    ("fire_and_rescue", "{town} Community Fire Station", None),
    ("voluntary_community", "{town} Food Network", "CHC"),
]
FIRST_NAMES = "Aisha Ben Carys Dev Ellen Femi Grace Hamid Isla Joe Kiran Lucy Mo Niamh Owen Priya Ravi Sam Tom Zara"
LAST_NAMES = "Ahmed Barker Chen Doyle Evans Farah Gill Hughes Iqbal Jones Khan Lloyd Mensah Okafor Reid Shah Walsh"
STAFF = [  # (handle, roles, how many)
    ("admin", [Role.ADMIN], 1),
    ("officer", [Role.PROGRAMME_OFFICER], 4),
    ("finance", [Role.FINANCE_APPROVER], 3),
    ("chair", [Role.STEERING_CHAIR, Role.STEERING_MEMBER], 1),
    ("steering", [Role.STEERING_MEMBER], 11),
    ("enabler", [Role.ENABLER], 60),
]


def person_name(number: int) -> str:
    first, last = FIRST_NAMES.split(), LAST_NAMES.split()
    return f"{first[number % len(first)]} {last[(number // len(first) + number) % len(last)]}"


def make_places(scale: Scale, lead_organisations: int) -> None:
    """Real local authority areas first (the demo's), then made-up ones, with ONS-shaped codes."""
    count = min(MAX_PLACES, max(12, lead_organisations // 4))
    wanted = [(code, name, region) for code, name, region, _ in PLACES]
    made_up = [f"{prefix}{suffix}" for prefix in PREFIXES.split() for suffix in SUFFIXES.split()]
    scale.rng.shuffle(made_up)
    wanted += [(f"E07{900_000 + n:06d}", name, REGIONS[n % len(REGIONS)]) for n, name in enumerate(made_up)]
    wanted = wanted[:count]
    existing = dict(db.session.execute(db.select(directory.Place.ons_code, directory.Place.id)).all())
    missing = [row for row in wanted if row[0] not in existing]
    new_ids = scale.writer.ids(
        directory.Place, [{"ons_code": code, "name": name, "region": region} for code, name, region in missing]
    )
    existing.update(zip((row[0] for row in missing), new_ids, strict=True))
    scale.places = [Place(existing[code], name, region) for code, name, region in wanted]


def make_themes(scale: Scale) -> None:
    existing = dict(db.session.execute(db.select(directory.Theme.slug, directory.Theme.id)).all())
    missing = [row for row in THEMES if row[0] not in existing]
    rows = [{"slug": slug, "name": name, "description": text, "is_active": True} for slug, name, text in missing]
    existing.update(zip((row[0] for row in missing), scale.writer.ids(directory.Theme, rows), strict=True))
    scale.themes = [(existing[slug], slug, name) for slug, name, _ in THEMES]


def make_organisations(scale: Scale, lead_organisations: int) -> None:
    """Enough to lead every bid of the busiest round, and some more to be partners only: each kind of
    organisation in each place, the places' councils first."""
    count = min(len(KINDS) * len(scale.places), max(math.ceil(lead_organisations * 1.1), 3 * len(scale.places)))
    taken = set(
        db.session.scalars(db.select(directory.Organisation.org_id).where(directory.Organisation.org_id.is_not(None)))
    )
    lae = {code: short for code, _, _, short in PLACES}
    rows, made = [], []
    for number in range(count):
        sector, pattern, scheme = KINDS[number // len(scale.places)]
        place = scale.places[number % len(scale.places)]
        row = _organisation(number, sector, pattern.format(town=place.town), scheme, place, lae, taken)
        row["created_at"] = row["updated_at"] = scale.now
        rows.append(row)
        made.append(Organisation(0, row["name"], sector, place))
    for organisation, new_id in zip(made, scale.writer.ids(directory.Organisation, rows), strict=True):
        organisation.id = new_id
    scale.organisations = made


def _organisation(number, sector, name, scheme, place, lae, taken) -> dict:
    charity = str(1_300_000 + number) if scheme == "CHC" else None
    company = f"{14_000_000 + number:08d}" if scheme == "COH" else None
    org_id = {
        "LAE": f"GB-LAE-{lae.get(_code(place), f'S{number:03d}')}",
        "NHS": f"GB-NHS-S{number:05d}",
        "CHC": f"GB-CHC-{charity}",
        "COH": f"GB-COH-{company}",
    }.get(scheme)
    if org_id in taken:  # already there (the demo's council of the same place): leave this one without
        org_id = None
    return {
        "name": name,
        "sector": sector,
        "org_id": org_id,
        "charity_number": charity,
        "company_number": company,
        "address_line_1": f"{number % 180 + 1} High Street",
        "address_line_2": "",
        "town": place.town,
        "postcode": f"SC{number % 90 + 1} {number % 9 + 1}AB",
        "place_id": place.id,
    }


def _code(place: Place) -> str | None:
    return next((code for code, name, _, _ in PLACES if name == place.name), None)


def make_people(scale: Scale, password: str | None, lead_organisations: list[Organisation]) -> None:
    """Staff by role, then an applicant for each lead organisation. Everyone shares one password hash,
    worked out once; staff whose roles need two-factor sign-in have it set up with a secret nobody
    holds (a benchmark marks its sessions verified; ``flask users reset-two-factor`` to sign in by hand)."""
    password_hash = generate_password_hash(password or new_session_token(), method="scrypt")
    needs_two_factor = {Role.PROGRAMME_OFFICER, Role.FINANCE_APPROVER, Role.STEERING_CHAIR, Role.ADMIN}
    people, roles = [], []
    for handle, role_list, count in STAFF:
        for number in range(1, count + 1):
            email = f"{handle}@{DOMAIN}" if count == 1 else f"{handle}.{number:02d}@{DOMAIN}"
            secret = two_factor.encrypt(two_factor.new_secret()) if needs_two_factor & set(role_list) else None
            people.append(_user(scale, email, person_name(len(people)), password_hash, None, secret))
            roles.append(role_list)
    for organisation in lead_organisations:
        email = f"lead.{organisation.id}@{DOMAIN}"
        people.append(_user(scale, email, person_name(len(people) * 7), password_hash, organisation.id, None))
        roles.append([Role.APPLICANT])
    ids = scale.writer.ids(User, people)
    scale.writer.rows(
        UserRole,
        [
            {"user_id": i, "role": role.value, "granted_at": scale.now}
            for i, rs in zip(ids, roles, strict=True)
            for role in rs
        ],
    )
    for user_id, row, role_list in zip(ids, people, roles, strict=True):
        scale.names[user_id] = row["name"]
        scale.people.setdefault(role_list[0].value, []).append(user_id)
    for organisation, user_id in zip(lead_organisations, ids[-len(lead_organisations) :], strict=True):
        organisation.applicant_id = user_id


def _user(scale: Scale, email: str, name: str, password_hash: str, organisation_id, totp_secret) -> dict:
    return {
        "email": email,
        "name": name,
        "password_hash": password_hash,
        "session_token": new_session_token(),
        "is_active": True,
        "organisation_id": organisation_id,
        "last_signed_in_at": None,
        "password_changed_at": scale.now,
        "totp_secret": totp_secret,
        "two_factor_enabled_at": scale.now if totp_secret else None,
        "totp_last_step": None,
        "anonymised_at": None,
        "created_at": scale.now,
        "updated_at": scale.now,
    }


def make_enabler_profiles(scale: Scale, active_projects: int) -> None:
    """Each enabler works in two regions, on two or three themes, with room for their share of the
    active projects and some more."""
    enablers = scale.people["enabler"]
    scale.enabler_capacity = min(50, math.ceil(active_projects * 1.5 / len(enablers)) + 2)
    rows, regions_of = [], []
    for number, user_id in enumerate(enablers):
        regions = [REGIONS[number % len(REGIONS)], REGIONS[(number + 3) % len(REGIONS)]]
        regions_of.append(regions)
        rows.append(
            {
                "user_id": user_id,
                "bio": f"{scale.names[user_id].split()[0]} has supported local partnerships in {' and '.join(regions)} "
                "for over ten years, bringing leaders together across councils, the NHS, the police and charities.",
                "approaches": scale.rng.sample(APPROACHES, 3),
                "regions": regions,
                "capacity": scale.enabler_capacity,
                "available_from": None,
                "available_until": None,
                "created_at": scale.now,
                "updated_at": scale.now,
            }
        )
    profile_ids = scale.writer.ids(EnablerProfile, rows)
    theme_rows, place_rows = [], []
    for number, (profile_id, regions) in enumerate(zip(profile_ids, regions_of, strict=True)):
        for theme_id, _, _ in scale.rng.sample(scale.themes, 2 + number % 2):
            theme_rows.append({"profile_id": profile_id, "theme_id": theme_id})
        local = [place for place in scale.places if place.region in regions]
        for place in scale.rng.sample(local, min(3, len(local))):
            place_rows.append({"profile_id": profile_id, "place_id": place.id})
    scale.writer.rows(enabler_themes, theme_rows)
    scale.writer.rows(enabler_places, place_rows)
    scale.enablers = [(user_id, set(regions)) for user_id, regions in zip(enablers, regions_of, strict=True)]
