"""A form per round: pages and questions built by the programme officer; a bid's answers keyed by question

Every existing round is given the programme's own questions (the form every bid so far was answered
against), and every bid's answers move from their columns into ``applications.answers``, keyed by the
same names; nothing is lost, and a downgrade moves them back.

Revision ID: e2b7c9d41a06
Revises: c4e8a1f7d352
Create Date: 2026-12-07 08:00:00.000000

"""

import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e2b7c9d41a06"
down_revision = "c4e8a1f7d352"
branch_labels = None
depends_on = None

KINDS = (
    "'short_text', 'long_text', 'number', 'money', 'date', 'yes_no', 'choice', 'choices', 'file', "
    "'place_themes', 'partnership', 'match_funding', 'measures', 'commitments', 'budget'"
)
# The answers that had columns of their own, in the order of the form.
OLD_DOCUMENT_KINDS = "kind IN ('match_evidence', 'match_confirmation', 'match_receipt', 'learning_evidence')"
DOCUMENT_KINDS = "kind IN ('match_evidence', 'match_confirmation', 'match_receipt', 'learning_evidence', 'answer')"
MOVED = ("issue", "shared_vision", "systems_leadership", "outcomes", "learning_plan")

# The programme's questions as they stood when forms could first be built (a copy: the service's default
# form may change later, this migration's must not).
FORM = [
    (
        "partnership",
        "The partnership",
        "",
        [
            (
                "partnership",
                "partnership",
                "The partnership",
                "The organisations working with you, and whether each has confirmed its part.",
                True,
                None,
                False,
            )
        ],
    ),
    (
        "issue",
        "The issue and the place",
        "",
        [
            ("place_themes", "place_themes", "About the project", "", True, None, False),
            (
                "issue",
                "long_text",
                "The issue",
                "What is the issue in your place, who does it affect, and why has it been hard to solve?",
                True,
                3000,
                True,
            ),
        ],
    ),
    (
        "vision",
        "Shared vision",
        "A vision every partner holds, in words residents would recognise. Wigan's Deal "
        "showed the value of describing the vision in plain language.",
        [
            (
                "shared_vision",
                "long_text",
                "Your shared vision",
                "Describe, in plain language, what the partners want to be different and why.",
                True,
                2000,
                True,
            ),
        ],
    ),
    (
        "approach",
        "Why a systems-leadership approach",
        "Systems leadership means leaders from different organisations and sectors working together, with shared "
        "ownership and distributed leadership, on an issue no single agency can solve.",
        [
            (
                "systems_leadership",
                "long_text",
                "Why a systems-leadership approach",
                "Why does this issue need leaders from across the system working together, rather than one service's "
                "fix?",
                True,
                2000,
                False,
            ),
        ],
    ),
    (
        "outcomes",
        "Outcomes and how they will be measured",
        "",
        [
            (
                "outcomes",
                "long_text",
                "Intended outcomes",
                "What will be better for people in your place, and by when?",
                True,
                2000,
                False,
            ),
            ("measures", "measures", "Measures of success", "", True, None, False),
        ],
    ),
    ("match", "Match funding", "", [("match_funding", "match_funding", "Match funding", "", True, None, False)]),
    (
        "learning",
        "Learning commitments",
        "",
        [
            (
                "learning_plan",
                "long_text",
                "How you will share what you learn",
                "Who will you share with, and how will what you learn change other work?",
                False,
                1500,
                False,
            ),
            ("commitments", "commitments", "Your commitments", "", True, None, False),
        ],
    ),
    ("budget", "Budget", "", [("budget", "budget", "Budget", "", True, None, False)]),
]


def upgrade():
    op.create_table(
        "form_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_form_pages_round_id_rounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_pages")),
        sa.UniqueConstraint("round_id", "key", name=op.f("uq_form_pages_round_id_key")),
    )
    with op.batch_alter_table("form_pages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_pages_round_id"), ["round_id"], unique=False)

    op.create_table(
        "form_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("hint", sa.Text(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("max_words", sa.Integer(), nullable=True),
        sa.Column("max_chars", sa.Integer(), nullable=True),
        sa.Column("min_value", sa.Integer(), nullable=True),
        sa.Column("max_value", sa.Integer(), nullable=True),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("condition_key", sa.String(length=40), nullable=True),
        sa.Column("condition_value", sa.String(length=100), nullable=True),
        sa.Column("public_summary", sa.Boolean(), nullable=False),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_form_questions_known_kind")),
        sa.CheckConstraint("max_words IS NULL OR max_words > 0", name=op.f("ck_form_questions_max_words_positive")),
        sa.CheckConstraint("max_chars IS NULL OR max_chars > 0", name=op.f("ck_form_questions_max_chars_positive")),
        sa.CheckConstraint(
            "min_value IS NULL OR max_value IS NULL OR max_value >= min_value",
            name=op.f("ck_form_questions_value_range_ordered"),
        ),
        sa.ForeignKeyConstraint(
            ["page_id"], ["form_pages.id"], name=op.f("fk_form_questions_page_id_form_pages"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_form_questions_round_id_rounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_questions")),
        sa.UniqueConstraint("round_id", "key", name=op.f("uq_form_questions_round_id_key")),
    )
    with op.batch_alter_table("form_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_questions_page_id"), ["page_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_form_questions_round_id"), ["round_id"], unique=False)

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_documents_known_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_documents_known_kind"), DOCUMENT_KINDS)
    with op.batch_alter_table("rubric_criteria", schema=None) as batch_op:
        batch_op.add_column(sa.Column("question_keys", sa.JSON(), server_default="[]", nullable=False))
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers", sa.JSON(), server_default="{}", nullable=False))

    connection = op.get_bind()
    _install_forms(connection)
    _move_answers_in(connection)
    _link_criteria(connection)

    with op.batch_alter_table("applications", schema=None) as batch_op:
        for column in MOVED:
            batch_op.drop_column(column)


def _install_forms(connection) -> None:
    pages = sa.table(
        "form_pages",
        sa.column("id", sa.Integer),
        sa.column("round_id", sa.Integer),
        sa.column("position", sa.Integer),
        sa.column("key", sa.String),
        sa.column("title", sa.String),
        sa.column("description", sa.Text),
    )
    questions = sa.table(
        "form_questions",
        sa.column("round_id", sa.Integer),
        sa.column("page_id", sa.Integer),
        sa.column("position", sa.Integer),
        sa.column("key", sa.String),
        sa.column("kind", sa.String),
        sa.column("title", sa.String),
        sa.column("hint", sa.Text),
        sa.column("required", sa.Boolean),
        sa.column("max_chars", sa.Integer),
        sa.column("choices", sa.JSON),
        sa.column("public_summary", sa.Boolean),
    )
    round_ids = [row[0] for row in connection.execute(sa.text("SELECT id FROM rounds ORDER BY id"))]
    for round_id in round_ids:
        for position, (key, title, description, page_questions) in enumerate(FORM, start=1):
            page_id = connection.execute(
                pages.insert()
                .values(round_id=round_id, position=position, key=key, title=title, description=description)
                .returning(pages.c.id)
            ).scalar_one()
            connection.execute(
                questions.insert(),
                [
                    {
                        "round_id": round_id,
                        "page_id": page_id,
                        "position": number,
                        "key": q_key,
                        "kind": kind,
                        "title": q_title,
                        "hint": hint,
                        "required": required,
                        "max_chars": max_chars,
                        "choices": [],
                        "public_summary": public,
                    }
                    for number, (q_key, kind, q_title, hint, required, max_chars, public) in enumerate(
                        page_questions, start=1
                    )
                ],
            )


# The programme's suggested rubric and the questions each criterion assesses, by the criterion's title: a
# round already being scored shows its reviewers those answers beside the scores.
CRITERIA_QUESTIONS = {
    "Strength of the partnership across sectors": ["partnership"],
    "Clarity of the shared vision": ["shared_vision"],
    "Fit of a systems-leadership approach to the issue": ["systems_leadership"],
    "Measurable outcomes": ["outcomes", "measures"],
    "Commitment to share and apply learning": ["learning_plan", "commitments"],
}


def _link_criteria(connection) -> None:
    update = sa.text("UPDATE rubric_criteria SET question_keys = :keys WHERE title = :title").bindparams(
        sa.bindparam("keys", type_=sa.JSON)
    )
    for title, keys in CRITERIA_QUESTIONS.items():
        connection.execute(update, {"title": title, "keys": keys})


def _move_answers_in(connection) -> None:
    rows = connection.execute(sa.text(f"SELECT id, {', '.join(MOVED)} FROM applications ORDER BY id")).all()
    update = sa.text("UPDATE applications SET answers = :answers WHERE id = :id").bindparams(
        sa.bindparam("answers", type_=sa.JSON)
    )
    batch = []
    for row in rows:
        answers = {column: value for column, value in zip(MOVED, row[1:], strict=True) if value}
        batch.append({"id": row[0], "answers": answers})
    if batch:
        connection.execute(update, batch)


def downgrade():
    with op.batch_alter_table("applications", schema=None) as batch_op:
        for column in MOVED:
            batch_op.add_column(sa.Column(column, sa.Text(), server_default="", nullable=False))

    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, answers FROM applications ORDER BY id")).all()
    update = sa.text(f"UPDATE applications SET {', '.join(f'{column} = :{column}' for column in MOVED)} WHERE id = :id")
    batch = []
    for application_id, answers in rows:
        answers = json.loads(answers) if isinstance(answers, str) else (answers or {})
        batch.append({"id": application_id, **{column: str(answers.get(column) or "") for column in MOVED}})
    if batch:
        connection.execute(update, batch)

    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_column("answers")
        for column in MOVED:
            batch_op.alter_column(column, server_default=None)
    with op.batch_alter_table("rubric_criteria", schema=None) as batch_op:
        batch_op.drop_column("question_keys")
    # A file answering a question has no place in the old structure: its document goes with the form.
    op.execute("DELETE FROM documents WHERE kind = 'answer'")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_documents_known_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_documents_known_kind"), OLD_DOCUMENT_KINDS)
    with op.batch_alter_table("form_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_questions_round_id"))
        batch_op.drop_index(batch_op.f("ix_form_questions_page_id"))
    op.drop_table("form_questions")
    with op.batch_alter_table("form_pages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_pages_round_id"))
    op.drop_table("form_pages")
