"""Reading learning: the public library (full-text search on PostgreSQL, a simple word match on
SQLite), the feed, a project's public summary and commitments, and the learning network of a theme.
Each page loads what it shows in a fixed number of queries."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, literal_column, or_, select
from sqlalchemy.orm import defer, joinedload, lazyload, load_only, selectinload

from grants.applications.models import Application, Partner, application_themes
from grants.directory.models import Organisation, Place, Theme
from grants.extensions import db
from grants.learning.models import CommitmentStatus, ItemStatus, LearningCommitment, LearningItem, learning_item_themes
from grants.projects.models import Project
from grants.rounds.models import Round

FEED_SIZE = 20
LIBRARY_PAGE_SIZE = 20  # search results a page, as GOV.UK's own search shows: a short page, quick to read
MAX_QUERY_LENGTH = 200
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class LibraryFilters:
    q: str = ""
    theme: str | None = None  # a theme's slug
    place: int | None = None
    wave: int | None = None  # a round's id

    @property
    def active(self) -> bool:
        return bool(self.q or self.theme or self.place or self.wave)


def _item_options():
    return (
        joinedload(LearningItem.project).joinedload(Project.lead_organisation),
        joinedload(LearningItem.place),
        selectinload(LearningItem.themes),
    )


def _listed_options():
    """What a list of items shows: not their story (only searched), nor their project's round and place;
    of the project, only its lead organisation's name (a whole project and organisation for each of a
    page's items was most of the time the search took to load them)."""
    return (
        defer(LearningItem.body),
        defer(LearningItem.what_worked),
        defer(LearningItem.what_did_not),
        joinedload(LearningItem.project).options(
            load_only(Project.id, Project.lead_organisation_id),
            lazyload(Project.round),
            lazyload(Project.place),
            joinedload(Project.lead_organisation).options(
                load_only(Organisation.id, Organisation.name), lazyload(Organisation.place)
            ),
        ),
        joinedload(LearningItem.place),
        selectinload(LearningItem.themes),
    )


def _published():
    return db.select(LearningItem).where(LearningItem.status == ItemStatus.PUBLISHED)


def words_of(q: str) -> list[str]:
    return _WORD.findall(q.lower())[:20]


def library_statement(filters: LibraryFilters):
    """Published items matching the filters: the best matches first when there are search words,
    otherwise the newest first."""
    statement = _published().options(*_listed_options())
    if filters.theme:
        statement = statement.where(
            exists()
            .where(learning_item_themes.c.item_id == LearningItem.id)
            .where(learning_item_themes.c.theme_id == Theme.id)
            .where(Theme.slug == filters.theme)
        )
    if filters.place:
        statement = statement.where(LearningItem.place_id == filters.place)
    if filters.wave:
        statement = statement.where(
            LearningItem.project_id.in_(select(Project.id).where(Project.round_id == filters.wave))
        )
    words = words_of(filters.q)
    if words and db.engine.dialect.name == "postgresql":
        query = db.func.websearch_to_tsquery(literal_column("'english'::regconfig"), filters.q[:MAX_QUERY_LENGTH])
        words_kept = LearningItem.search_words  # parsed once, when the item was written
        statement = statement.where(words_kept.op("@@")(query)).order_by(
            db.func.ts_rank(words_kept, query).desc(), LearningItem.published_at.desc(), LearningItem.id.desc()
        )
        return statement
    for word in words:
        statement = statement.where(
            or_(
                *(
                    db.func.lower(column).contains(word, autoescape=True)
                    for column in (
                        LearningItem.title,
                        LearningItem.summary,
                        LearningItem.body,
                        LearningItem.what_worked,
                        LearningItem.what_did_not,
                    )
                )
            )
        )
    return statement.order_by(LearningItem.published_at.desc(), LearningItem.id.desc())


def filter_choices() -> dict:
    """The themes, places and waves that have published learning, for the library's filters: plain
    rows (slug and name, id and name, id and title)."""
    published_ids = select(LearningItem.id).where(LearningItem.status == ItemStatus.PUBLISHED)
    themes = db.session.execute(
        select(Theme.slug, Theme.name)
        .where(
            Theme.id.in_(
                select(learning_item_themes.c.theme_id).where(learning_item_themes.c.item_id.in_(published_ids))
            )
        )
        .order_by(Theme.name)
    ).all()
    places = db.session.execute(
        select(Place.id, Place.name)
        .where(Place.id.in_(select(LearningItem.place_id).where(LearningItem.status == ItemStatus.PUBLISHED)))
        .order_by(Place.name, Place.id)
    ).all()
    waves = db.session.execute(
        select(Round.id, Round.title)
        .where(
            Round.id.in_(
                select(Project.round_id)
                .join(LearningItem, LearningItem.project_id == Project.id)
                .where(LearningItem.status == ItemStatus.PUBLISHED)
            )
        )
        .order_by(Round.opens_at.desc(), Round.id.desc())
    ).all()
    return {"themes": themes, "places": places, "waves": waves}


def published_item(item_id: int) -> LearningItem | None:
    return db.session.scalar(_published().where(LearningItem.id == item_id).options(*_item_options()))


def feed_items() -> list[LearningItem]:
    return db.session.scalars(
        _published()
        .options(*_item_options())
        .order_by(LearningItem.published_at.desc(), LearningItem.id.desc())
        .limit(FEED_SIZE)
    ).all()


# --- A project's learning ---------------------------------------------------------------------------


def commitments_of(project_id: int) -> list[LearningCommitment]:
    return db.session.scalars(
        db.select(LearningCommitment)
        .where(LearningCommitment.project_id == project_id)
        .options(
            joinedload(LearningCommitment.applied_theme),
            joinedload(LearningCommitment.applied_place),
            joinedload(LearningCommitment.applied_project),
            joinedload(LearningCommitment.evidence_document),
        )
        .order_by(LearningCommitment.due_on.nulls_last(), LearningCommitment.id)
    ).all()


def commitments_due(project_ids: list[int], until: date) -> list[LearningCommitment]:
    """For the enabler's home: the projects' unfinished commitments due by ``until``, soonest first."""
    return db.session.scalars(
        db.select(LearningCommitment)
        .where(
            LearningCommitment.project_id.in_(project_ids),
            LearningCommitment.status != CommitmentStatus.DONE,
            LearningCommitment.due_on <= until,
        )
        .order_by(LearningCommitment.due_on)
    ).all()


def agreement_commitments(project_id: int) -> list[LearningCommitment]:
    """As the grant agreement lists them: in the order they were made."""
    return db.session.scalars(
        db.select(LearningCommitment).where(LearningCommitment.project_id == project_id).order_by(LearningCommitment.id)
    ).all()


def applied_here(project_id: int, *, done_only: bool = False) -> list[LearningCommitment]:
    """Other projects' commitments whose learning was applied to this project: the other end of the link."""
    statement = (
        db.select(LearningCommitment)
        .where(LearningCommitment.applied_project_id == project_id)
        .options(joinedload(LearningCommitment.project).joinedload(Project.lead_organisation))
        .order_by(LearningCommitment.done_at.desc().nulls_last(), LearningCommitment.id.desc())
    )
    if done_only:
        statement = statement.where(LearningCommitment.status == CommitmentStatus.DONE)
    return db.session.scalars(statement).all()


def items_of(project_id: int, *, published_only: bool = False) -> list[LearningItem]:
    statement = (
        db.select(LearningItem)
        .where(LearningItem.project_id == project_id)
        .options(selectinload(LearningItem.themes), joinedload(LearningItem.author), joinedload(LearningItem.place))
        .order_by(LearningItem.updated_at.desc(), LearningItem.id.desc())
    )
    if published_only:
        statement = statement.where(LearningItem.status == ItemStatus.PUBLISHED)
    return db.session.scalars(statement).all()


def published_items_for_commitments(project_id: int) -> set[int]:
    """The commitments of a project that a published item evidences."""
    return set(
        db.session.scalars(
            db.select(LearningItem.commitment_id).where(
                LearningItem.project_id == project_id,
                LearningItem.status == ItemStatus.PUBLISHED,
                LearningItem.commitment_id.is_not(None),
            )
        )
    )


def public_project(project_id: int) -> Project | None:
    """A funded project as anyone may see it: with its bid's themes and its partners."""
    return db.session.scalar(
        db.select(Project)
        .where(Project.id == project_id)
        .options(selectinload(Project.application).selectinload(Application.partners).joinedload(Partner.organisation))
    )


def review_statement():
    """Items waiting for a programme officer, the longest waiting first."""
    return (
        db.select(LearningItem)
        .where(LearningItem.status == ItemStatus.SUBMITTED)
        .options(joinedload(LearningItem.project), joinedload(LearningItem.author))
        .order_by(LearningItem.submitted_at, LearningItem.id)
    )


def project_choices(exclude_id: int) -> list[tuple[int, str]]:
    rows = db.session.execute(
        db.select(Project.id, Project.reference, Project.title)
        .where(Project.id != exclude_id)
        .order_by(Project.reference)
    ).all()
    return [(row.id, f"{row.reference}: {row.title}") for row in rows]


# --- The learning network ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkTheme:
    theme: Theme
    projects: int
    items: int


def network_themes() -> list[NetworkTheme]:
    """Each active theme with the number of funded projects that worked on it and its published items."""
    project_counts = dict(
        db.session.execute(
            db.select(application_themes.c.theme_id, db.func.count(Project.id))
            .join(Project, Project.application_id == application_themes.c.application_id)
            .group_by(application_themes.c.theme_id)
        ).all()
    )
    item_counts = dict(
        db.session.execute(
            db.select(learning_item_themes.c.theme_id, db.func.count(LearningItem.id))
            .join(LearningItem, LearningItem.id == learning_item_themes.c.item_id)
            .where(LearningItem.status == ItemStatus.PUBLISHED)
            .group_by(learning_item_themes.c.theme_id)
        ).all()
    )
    themes = db.session.scalars(db.select(Theme).where(Theme.is_active).order_by(Theme.name)).all()
    return [NetworkTheme(theme, project_counts.get(theme.id, 0), item_counts.get(theme.id, 0)) for theme in themes]


@dataclass(frozen=True)
class Peer:
    project: Project
    items: int


def network_of(theme: Theme) -> dict:
    """For a theme: the projects that worked on it (with how much they have published), and where
    lessons were applied across issues, into the theme or out of it."""
    on_theme = select(application_themes.c.application_id).where(application_themes.c.theme_id == theme.id)
    projects = db.session.scalars(
        db.select(Project).where(Project.application_id.in_(on_theme)).order_by(Project.title, Project.id)
    ).all()
    project_ids = [project.id for project in projects]
    counts: dict[int, int] = defaultdict(int)
    if project_ids:
        counts.update(
            db.session.execute(
                db.select(LearningItem.project_id, db.func.count(LearningItem.id))
                .where(LearningItem.project_id.in_(project_ids), LearningItem.status == ItemStatus.PUBLISHED)
                .group_by(LearningItem.project_id)
            ).all()
        )
    applied = db.session.scalars(
        db.select(LearningCommitment)
        .where(
            LearningCommitment.status == CommitmentStatus.DONE,
            LearningCommitment.kind == "apply_elsewhere",
            or_(
                LearningCommitment.applied_theme_id.is_not(None),
                LearningCommitment.applied_place_id.is_not(None),
                LearningCommitment.applied_project_id.is_not(None),
            ),
            or_(
                LearningCommitment.applied_theme_id == theme.id,
                LearningCommitment.project_id.in_(project_ids or [0]),
                and_(
                    LearningCommitment.applied_project_id.is_not(None),
                    LearningCommitment.applied_project_id.in_(project_ids or [0]),
                ),
            ),
        )
        .options(
            joinedload(LearningCommitment.project),
            joinedload(LearningCommitment.applied_theme),
            joinedload(LearningCommitment.applied_place),
            joinedload(LearningCommitment.applied_project),
        )
        .order_by(LearningCommitment.done_at.desc().nulls_last(), LearningCommitment.id.desc())
    ).all()
    return {"peers": [Peer(project, counts[project.id]) for project in projects], "applied": applied}
