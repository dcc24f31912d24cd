"""The demo programme's reference data. Public bodies are real places with their real ONS codes and
local-authority identifiers; the voluntary and private organisations and their numbers are fictional."""

from grants.core.permissions import Role

DEMO_PASSWORD = "local-vision-demo"  # noqa: S105 (demo accounts only; printed by seed-demo)

# (ONS code, name, region)
PLACES = [
    ("E08000010", "Wigan", "North West"),
    ("E08000003", "Manchester", "North West"),
    ("E08000006", "Salford", "North West"),
    ("E10000024", "Nottinghamshire", "East Midlands"),
    ("E06000052", "Cornwall", "South West"),
    ("E06000023", "Bristol, City of", "South West"),
    ("E06000002", "Middlesbrough", "North East"),
    ("E06000003", "Redcar and Cleveland", "North East"),
    ("E08000021", "Newcastle upon Tyne", "North East"),
    ("E08000035", "Leeds", "Yorkshire and The Humber"),
    ("E08000025", "Birmingham", "West Midlands"),
    ("E09000007", "Camden", "London"),
    ("E10000020", "Norfolk", "East of England"),
    ("E10000016", "Kent", "South East"),
]

# (slug, name, description)
THEMES = [
    (
        "safeguarding",
        "Safeguarding adults and children",
        "Agencies sharing information and acting together so that people at risk are kept safe.",
    ),
    (
        "older-people",
        "Integrating services for older people",
        "Joining up health, social care and community support around older people and their carers.",
    ),
    (
        "alcohol-misuse",
        "Reducing alcohol misuse",
        "Prevention, treatment and licensing working together to reduce harm from alcohol.",
    ),
    (
        "physical-activity",
        "Physical activity",
        "Making active lives a way of life, with communities, schools, planners and health services.",
    ),
    (
        "food-poverty",
        "Food poverty and food waste",
        "Stronger networks between food producers, charities and consumers.",
    ),
    (
        "health-social-care",
        "Health and social care integration",
        "Commissioners, providers, service users and carers designing care together.",
    ),
    (
        "mental-health",
        "Mental health and wellbeing",
        "Early help for mental health across schools, primary care, police and the voluntary sector.",
    ),
    (
        "homelessness",
        "Homelessness and housing",
        "Housing, health and justice services preventing homelessness together.",
    ),
]

ORGANISATIONS = [
    {
        "org_id": "GB-LAE-WGN",
        "name": "Wigan Council",
        "sector": "local_government",
        "place": "E08000010",
        "address_line_1": "Town Hall, Library Street",
        "town": "Wigan",
        "postcode": "WN1 1YN",
    },
    {
        "org_id": "GB-NHS-RRF",
        "name": "Wrightington, Wigan and Leigh Teaching Hospitals NHS Foundation Trust",
        "sector": "nhs",
        "place": "E08000010",
        "address_line_1": "Royal Albert Edward Infirmary, Wigan Lane",
        "town": "Wigan",
        "postcode": "WN1 2NN",
    },
    {
        "org_id": "GB-CHC-1190001",
        "name": "Wigan Borough Community Food Network",
        "sector": "voluntary_community",
        "charity_number": "1190001",
        "place": "E08000010",
        "address_line_1": "12 Market Street",
        "town": "Wigan",
        "postcode": "WN1 1HX",
    },
    {
        "org_id": "GB-LAE-NTT",
        "name": "Nottinghamshire County Council",
        "sector": "local_government",
        "place": "E10000024",
        "address_line_1": "County Hall, West Bridgford",
        "town": "Nottingham",
        "postcode": "NG2 7QP",
    },
    {
        "org_id": "GB-LAE-CON",
        "name": "Cornwall Council",
        "sector": "local_government",
        "place": "E06000052",
        "address_line_1": "New County Hall, Treyew Road",
        "town": "Truro",
        "postcode": "TR1 3AY",
    },
    {
        "org_id": "GB-CHC-1190002",
        "name": "Kernow Recovery Collective",
        "sector": "voluntary_community",
        "charity_number": "1190002",
        "place": "E06000052",
        "address_line_1": "3 Lemon Quay",
        "town": "Truro",
        "postcode": "TR1 2LW",
    },
    {
        "org_id": "GB-LAE-MDB",
        "name": "Middlesbrough Council",
        "sector": "local_government",
        "place": "E06000002",
        "address_line_1": "Town Hall, Albert Road",
        "town": "Middlesbrough",
        "postcode": "TS1 9FT",
    },
    {
        "org_id": "GB-LAE-RCC",
        "name": "Redcar and Cleveland Borough Council",
        "sector": "local_government",
        "place": "E06000003",
        "address_line_1": "Redcar and Cleveland House, Kirkleatham Street",
        "town": "Redcar",
        "postcode": "TS10 1RT",
    },
    {
        "org_id": "GB-COH-11900003",
        "name": "Tees Active Lives Ltd",
        "sector": "private",
        "company_number": "11900003",
        "place": "E06000002",
        "address_line_1": "Unit 4, Boho Zone",
        "town": "Middlesbrough",
        "postcode": "TS1 1NZ",
    },
    {
        "org_id": "GB-LAE-LDS",
        "name": "Leeds City Council",
        "sector": "local_government",
        "place": "E08000035",
        "address_line_1": "Civic Hall, Calverley Street",
        "town": "Leeds",
        "postcode": "LS1 1UR",
    },
    {
        "org_id": "GB-CHC-1190004",
        "name": "Leeds Later Life Alliance",
        "sector": "voluntary_community",
        "charity_number": "1190004",
        "place": "E08000035",
        "address_line_1": "Joseph's Well, Hanover Walk",
        "town": "Leeds",
        "postcode": "LS3 1AB",
    },
    {
        "org_id": "GB-LAE-BIR",
        "name": "Birmingham City Council",
        "sector": "local_government",
        "place": "E08000025",
        "address_line_1": "Council House, Victoria Square",
        "town": "Birmingham",
        "postcode": "B1 1BB",
    },
]

# (email, name, roles, organisation org_id)
DEMO_USERS = [
    ("applicant@example.org", "Aisha Khan", [Role.APPLICANT], "GB-LAE-WGN"),
    ("applicant.cornwall@example.org", "Tom Pascoe", [Role.APPLICANT], "GB-LAE-CON"),
    ("steering.member@example.org", "Priya Shah", [Role.STEERING_MEMBER], None),
    ("steering.chair@example.org", "Margaret Okafor", [Role.STEERING_CHAIR, Role.STEERING_MEMBER], None),
    ("enabler@example.org", "David Mensah", [Role.ENABLER], None),
    ("officer@example.org", "Sarah Collins", [Role.PROGRAMME_OFFICER], None),
    ("finance@example.org", "James Whitfield", [Role.FINANCE_APPROVER], None),
    ("admin@example.org", "Alex Morgan", [Role.ADMIN], None),
]
