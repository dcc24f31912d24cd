"""What the demo bids say: one story per theme, told in each place's own name."""

from __future__ import annotations

STORIES = {
    "older-people": {
        "title": "Home, not hospital: older people in {place}",
        "issue": "Older people in {place} move between hospital, care homes and home without anyone owning the "
        "whole journey. Families act as go-betweens; discharge is delayed and people lose confidence and "
        "independence while they wait.",
        "vision": "Every older person in {place} gets home safely, with support that starts from what they can "
        "do and who is around them.",
        "approach": "No single service owns the journey home. The NHS, adult social care, housing and the "
        "voluntary sector each hold a piece, and only leaders who work across those boundaries can change it.",
        "outcomes": "Fewer delayed discharges, fewer readmissions within 30 days, and older people reporting that "
        "they felt listened to.",
        "measures": [
            ("Delayed transfers of care", "days per month", 410, 250, "down"),
            ("Readmissions within 30 days", "%", 14.5, 11, "down"),
        ],
        "next_issues": ["falls prevention", "carers' support"],
    },
    "safeguarding": {
        "title": "One front door for safeguarding in {place}",
        "issue": "Agencies in {place} hold pieces of information about the same families but share them too late. "
        "Referrals bounce between teams and the same questions are asked again and again.",
        "vision": "Children and adults at risk in {place} are known to the right people at the right time, and "
        "agencies act as one.",
        "approach": "A multi-agency safeguarding hub only works if police, health, social care and schools change "
        "how they decide together: that is a leadership task, not a structure chart.",
        "outcomes": "Faster decisions on referrals, fewer repeat referrals, and staff who trust each other's "
        "judgement.",
        "measures": [
            ("Referrals decided within 24 hours", "%", 62, 90, "up"),
            ("Repeat referrals within 12 months", "%", 23, 15, "down"),
        ],
        "next_issues": ["domestic abuse", "exploitation of young people"],
    },
    "alcohol-misuse": {
        "title": "A healthier night-time economy in {place}",
        "issue": "Alcohol-related hospital admissions in {place} are among the highest in the region. Licensing, "
        "treatment, policing and the night-time economy each act alone.",
        "vision": "{place} is a place where people enjoy a night out safely and anyone who wants help with "
        "alcohol finds it quickly.",
        "approach": "Reducing harm needs licensing, public health, police, businesses and people in recovery to "
        "share ownership of the problem and the answers.",
        "outcomes": "Fewer alcohol-related admissions, more people starting treatment, and a safer town centre.",
        "measures": [
            ("Alcohol-related admissions", "per 100,000", 720, 600, "down"),
            ("People starting treatment", "per year", 410, 520, "up"),
        ],
        "next_issues": ["drug-related harm", "gambling harm"],
    },
    "physical-activity": {
        "title": "Active lives as a way of life in {place}",
        "issue": "A third of adults in {place} do less than 30 minutes of activity a week, most of them in our "
        "poorest neighbourhoods, where parks and routes feel unsafe.",
        "vision": "Being active is the easy choice for everyone in {place}, wherever they live.",
        "approach": "Planners, schools, health, housing and community groups each shape whether people move. "
        "Distributed leadership, not one more programme, changes that.",
        "outcomes": "More adults active for 150 minutes a week, more children walking or cycling to school.",
        "measures": [
            ("Inactive adults", "%", 33, 27, "down"),
            ("Children walking or cycling to school", "%", 41, 50, "up"),
        ],
        "next_issues": ["healthy weight", "mental wellbeing"],
    },
    "food-poverty": {
        "title": "Good food for all in {place}",
        "issue": "Food bank use in {place} has doubled in three years, while local growers and shops throw away "
        "food that could feed families.",
        "vision": "No one in {place} goes hungry, and good local food reaches the people who need it.",
        "approach": "Food poverty sits between welfare, health, business and community action; it needs "
        "leaders from all of them building stronger networks between producers and consumers.",
        "outcomes": "Fewer emergency food parcels, less food waste, and more families eating well.",
        "measures": [
            ("Emergency food parcels", "per month", 1900, 1400, "down"),
            ("Surplus food redistributed", "tonnes per year", 120, 300, "up"),
        ],
        "next_issues": ["fuel poverty", "holiday hunger"],
    },
    "health-social-care": {
        "title": "Integrated neighbourhood care in {place}",
        "issue": "Health and social care teams in {place} work from different buildings, records and rules. "
        "People tell their story many times and still fall through the gaps.",
        "vision": "People in {place} experience one team around them, designed with them.",
        "approach": "Integration is not a merger; it needs commissioners, providers, service users and carers "
        "leading change together across organisational boundaries.",
        "outcomes": "Fewer hand-offs, shorter waits for care assessments, and people saying care feels joined up.",
        "measures": [
            ("Waiting time for a care assessment", "days", 38, 21, "down"),
            ("People who say their care is joined up", "%", 46, 65, "up"),
        ],
        "next_issues": ["mental health crisis care", "end of life care"],
    },
    "mental-health": {
        "title": "Early help for young people's mental health in {place}",
        "issue": "Young people in {place} wait months for help and often reach it only in crisis, through A&E "
        "or the police.",
        "vision": "Every young person in {place} can get help early, close to home, from people they trust.",
        "approach": "Schools, GPs, police, youth services and the voluntary sector all meet these young people; "
        "only together can they change where help is found.",
        "outcomes": "Shorter waits, fewer crisis presentations, and young people reporting better wellbeing.",
        "measures": [
            ("Weeks waiting for first help", "weeks", 18, 6, "down"),
            ("Crisis presentations of under-18s", "per quarter", 140, 100, "down"),
        ],
        "next_issues": ["school exclusions", "loneliness"],
    },
    "homelessness": {
        "title": "Preventing homelessness together in {place}",
        "issue": "Most people who become homeless in {place} were known to at least three services in the year "
        "before, none of which could act alone.",
        "vision": "Homelessness in {place} is prevented, and where it happens it is brief and does not repeat.",
        "approach": "Housing, health, justice and welfare each hold a lever; leaders across them can act earlier "
        "together than any one of them alone.",
        "outcomes": "More households prevented from becoming homeless, fewer people sleeping rough.",
        "measures": [
            ("Households prevented from homelessness", "per quarter", 210, 320, "up"),
            ("People sleeping rough on a single night", "people", 34, 15, "down"),
        ],
        "next_issues": ["hospital discharge for people without a home", "prison leavers"],
    },
}

# Where each answer of the programme's form comes from: its page, its question and the story's words.
ANSWERS = [
    ("issue", "issue", "{issue}"),
    ("vision", "shared_vision", "{vision}"),
    ("approach", "systems_leadership", "{approach}"),
    ("outcomes", "outcomes", "{outcomes}"),
    (
        "learning",
        "learning_plan",
        "We will share what we learn with other places through the learning network, and apply the approach "
        "to {next_issue} in {place}.",
    ),
]


def answers(story: dict, town: str, pages: list[str]) -> dict[str, str]:
    """A bid's answers to the programme form's questions on ``pages``, keyed by question, in the place's words."""
    words = {key: story[key].format(place=town) for key in ("issue", "vision", "approach", "outcomes")}
    words |= {"next_issue": story["next_issues"][0], "place": town}
    return {question: template.format(**words) for page, question, template in ANSWERS if page in pages}


def partner_roles() -> dict[str, str]:
    return {
        "nhs": "Brings hospital and community health teams, and the data on patient journeys.",
        "voluntary_community": "Connects the partnership with community groups and residents' own strengths.",
        "police": "Shares intelligence and neighbourhood policing time, and joins joint decisions.",
        "housing": "Brings housing officers and homes, and early sight of tenants at risk.",
        "public_health": "Leads on evidence, measures and the public health view of the issue.",
        "private": "Brings local employers and businesses, their premises and their reach.",
        "local_government": "Brings council services and democratic leadership.",
    }
