"""The framework a programme starts with, until its programme officers change it: seven domains of
systems leadership, three behaviours each, rated from 1 to 5."""

NAME = "Systems leadership self-assessment"

SCALE = [
    "Rarely: I seldom do this",
    "Sometimes: I do this now and then",
    "Often: I do this in most situations",
    "Usually: I do this even when it is hard",
    "Consistently: I do this and help others to",
]

DOMAINS = [
    (
        "Working across boundaries",
        "Leading beyond your own organisation, service or profession.",
        [
            "I look at the issue from the point of view of the whole system, not just my organisation.",
            "I act on shared priorities even when they are not my organisation's own targets.",
            "I make it easy for people in other organisations to work with mine.",
        ],
    ),
    (
        "Building relationships and trust",
        "The connections that let partners take risks together.",
        [
            "I invest time in relationships with partners before I need something from them.",
            "I am open about my organisation's constraints and pressures.",
            "I keep the commitments I make to partners.",
        ],
    ),
    (
        "Shared purpose and vision",
        "A common sense of what the partnership is for.",
        [
            "I can describe the change we want for local people in words every partner shares.",
            "I test decisions against our shared purpose.",
            "I help others see how their work contributes to the shared purpose.",
        ],
    ),
    (
        "Distributed leadership",
        "Leadership shared across people and levels, not held at the top.",
        [
            "I give others, including frontline staff, the authority to act.",
            "I share credit for what the partnership achieves.",
            "I step back so that others can lead.",
        ],
    ),
    (
        "Asset- and strength-based working",
        "Starting from what people and places have, not what they lack.",
        [
            "I start from the strengths of local people and communities.",
            "I look for resources the system already has before asking for new ones.",
            "I challenge language that describes people only by their needs.",
        ],
    ),
    (
        "Learning and adapting",
        "Treating the work as an experiment and changing course as you learn.",
        [
            "I try new approaches and say openly when they have not worked.",
            "I use evidence and stories from the frontline to change what we do.",
            "I share what we learn with people outside the partnership.",
        ],
    ),
    (
        "Community and citizen voice",
        "Local people shaping the work, not only being consulted on it.",
        [
            "I involve local people in deciding what the problem is.",
            "I make sure the people most affected are heard, not only the loudest.",
            "I act on what local people tell us, and tell them what changed.",
        ],
    ),
]
