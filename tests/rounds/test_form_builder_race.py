"""The same addition to a round's form sent twice at the same moment is carried out once, and two
different additions at once each get a key of their own: never an error. On PostgreSQL, with real
commits, from threads that meet at a barrier."""

import threading

from grants.bidforms.models import FormPage, FormQuestion
from grants.core.once import new_key
from grants.core.permissions import Role
from grants.extensions import db as _db
from tests.factories import RoundFactory, UserFactory
from tests.fixtures.clients import sign_in_client

ROUNDS = 3


def _post_at_once(app, posts: list[tuple[object, str, dict]]) -> list[int]:
    barrier = threading.Barrier(len(posts))
    statuses: list[int] = []

    def post(client, path, data):
        barrier.wait(10)
        statuses.append(client.post(path, data=data).status_code)

    threads = [threading.Thread(target=post, args=args) for args in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return statuses


def test_a_page_sent_twice_at_once_is_added_once(app, committed_db):
    officer = UserFactory(roles=[Role.PROGRAMME_OFFICER])
    round_ = RoundFactory(status="draft", form=[])
    _db.session.commit()
    first, second = sign_in_client(app, officer), sign_in_client(app, officer)
    path = f"/manage/rounds/{round_.id}/form/pages/new"
    for n in range(ROUNDS):
        data = {"title": f"Page {n}", "description": "", "submission": new_key()}
        statuses = _post_at_once(app, [(first, path, data), (second, path, data)])
        assert sorted(statuses) == [302, 303]
    titles = _db.session.scalars(_db.select(FormPage.title).where(FormPage.round_id == round_.id)).all()
    assert sorted(titles) == ["Page 0", "Page 1", "Page 2"]


def test_two_questions_of_one_title_at_once_get_keys_of_their_own(app, committed_db):
    officers = [UserFactory(roles=[Role.PROGRAMME_OFFICER]) for _ in range(2)]
    round_ = RoundFactory(status="draft", form=[("one", "One", "", [])])
    _db.session.commit()
    page_id = _db.session.scalar(_db.select(FormPage.id).where(FormPage.round_id == round_.id))
    clients = [sign_in_client(app, officer) for officer in officers]
    path = f"/manage/rounds/{round_.id}/form/questions/new/short_text"
    for _ in range(ROUNDS):
        posts = [
            (
                client,
                path,
                {
                    "page": page_id,
                    "title": "Your idea",
                    "hint": "",
                    "required": "yes",
                    "condition": "",
                    "submission": new_key(),
                },
            )
            for client in clients
        ]
        assert _post_at_once(app, posts) == [302, 302]
    keys = _db.session.scalars(
        _db.select(FormQuestion.key).where(FormQuestion.round_id == round_.id).order_by(FormQuestion.position)
    ).all()
    assert keys == ["your_idea", *[f"your_idea_{n}" for n in range(2, 2 * ROUNDS + 1)]]
    positions = _db.session.scalars(
        _db.select(FormQuestion.position).where(FormQuestion.round_id == round_.id).order_by(FormQuestion.position)
    ).all()
    assert positions == list(range(1, 2 * ROUNDS + 1))
