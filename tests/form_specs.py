"""Forms other than the default, written as plain data (``grants.bidforms.default.Spec``) for
``RoundFactory(form=...)``."""

from __future__ import annotations

from grants.bidforms.default import Spec

# A question of every kind, one of them shown only when an earlier answer is yes.
EVERY_KIND: Spec = [
    ("about", "About you", "", [{"key": "place_themes", "kind": "place_themes"}]),
    (
        "story",
        "Your story",
        "",
        [
            {"key": "story", "kind": "long_text", "title": "Tell us your story", "max_words": 300},
            {"key": "contact", "kind": "short_text", "title": "Who to contact", "required": False},
            {"key": "people", "kind": "number", "title": "People reached"},
            {"key": "cost", "kind": "money", "title": "What it costs"},
            {"key": "start", "kind": "date", "title": "When it starts"},
            {"key": "schools", "kind": "yes_no", "title": "Do you work with schools?"},
            {
                "key": "size",
                "kind": "choice",
                "title": "How big is the partnership?",
                "choices": [{"value": "small", "label": "Up to 5"}, {"value": "large", "label": "More than 5"}],
            },
            {
                "key": "ages",
                "kind": "choices",
                "title": "Who will benefit?",
                "choices": [{"value": "young", "label": "Under 16s"}, {"value": "old", "label": "Over 65s"}],
            },
            {"key": "plan", "kind": "file", "title": "Your plan"},
        ],
    ),
    (
        "schools_page",
        "Schools",
        "",
        [
            {
                "key": "which_schools",
                "kind": "short_text",
                "title": "Which schools?",
                "condition_key": "schools",
                "condition_value": "yes",
            }
        ],
    ),
    ("budget", "Budget", "", [{"key": "budget", "kind": "budget"}]),
]


def every_kind_answers(document_id: int) -> dict:
    """Answers to EVERY_KIND as a bid keeps them; the conditional question is not asked (schools: no)."""
    return {
        "story": "It began\nwith a walk.",
        "people": 1200,
        "cost": 125_050,
        "start": "2027-03-01",
        "schools": "no",
        "size": "large",
        "ages": ["young", "old"],
        "plan": document_id,
    }
