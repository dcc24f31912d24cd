"""The demo programme's reference data. Public bodies are real places with their real ONS codes and
local-authority identifiers; the voluntary and private organisations and their numbers are fictional."""

from functools import cache

from werkzeug.security import generate_password_hash

from grants.core.permissions import Role
from grants.directory.reference import DEFAULT_THEMES

DEMO_PASSWORD = "local-vision-demo"  # noqa: S105 (demo accounts only; printed by seed-demo)


@cache
def demo_password_hash() -> str:
    """``DEMO_PASSWORD`` hashed once for every demo account (they share the password, which seed-demo
    prints), not once for each: each hash takes a fifth of a second, on purpose."""
    return generate_password_hash(DEMO_PASSWORD, method="scrypt")


# (ONS code, name, region, local-authority code used in GB-LAE identifiers)
PLACES = [
    ("E08000001", "Bolton", "North West", "BOL"),
    ("E08000002", "Bury", "North West", "BUR"),
    ("E08000003", "Manchester", "North West", "MAN"),
    ("E08000004", "Oldham", "North West", "OLD"),
    ("E08000005", "Rochdale", "North West", "RCH"),
    ("E08000006", "Salford", "North West", "SLF"),
    ("E08000007", "Stockport", "North West", "SKP"),
    ("E08000008", "Tameside", "North West", "TAM"),
    ("E08000009", "Trafford", "North West", "TRF"),
    ("E08000010", "Wigan", "North West", "WGN"),
    ("E08000012", "Liverpool", "North West", "LIV"),
    ("E08000015", "Wirral", "North West", "WRL"),
    ("E06000008", "Blackburn with Darwen", "North West", "BBD"),
    ("E06000009", "Blackpool", "North West", "BPL"),
    ("E10000017", "Lancashire", "North West", "LAN"),
    ("E06000001", "Hartlepool", "North East", "HPL"),
    ("E06000002", "Middlesbrough", "North East", "MDB"),
    ("E06000003", "Redcar and Cleveland", "North East", "RCC"),
    ("E06000004", "Stockton-on-Tees", "North East", "STT"),
    ("E06000005", "Darlington", "North East", "DAL"),
    ("E08000021", "Newcastle upon Tyne", "North East", "NET"),
    ("E08000024", "Sunderland", "North East", "SND"),
    ("E08000037", "Gateshead", "North East", "GAT"),
    ("E08000038", "Barnsley", "Yorkshire and The Humber", "BNS"),
    ("E08000017", "Doncaster", "Yorkshire and The Humber", "DNC"),
    ("E08000032", "Bradford", "Yorkshire and The Humber", "BRD"),
    ("E08000035", "Leeds", "Yorkshire and The Humber", "LDS"),
    ("E08000036", "Wakefield", "Yorkshire and The Humber", "WKF"),
    ("E06000010", "Kingston upon Hull, City of", "Yorkshire and The Humber", "KHL"),
    ("E06000014", "York", "Yorkshire and The Humber", "YOR"),
    ("E10000024", "Nottinghamshire", "East Midlands", "NTT"),
    ("E06000018", "Nottingham", "East Midlands", "NGM"),
    ("E06000015", "Derby", "East Midlands", "DER"),
    ("E06000016", "Leicester", "East Midlands", "LCE"),
    ("E08000025", "Birmingham", "West Midlands", "BIR"),
    ("E08000026", "Coventry", "West Midlands", "COV"),
    ("E08000027", "Dudley", "West Midlands", "DUD"),
    ("E08000031", "Wolverhampton", "West Midlands", "WLV"),
    ("E10000020", "Norfolk", "East of England", "NFK"),
    ("E10000029", "Suffolk", "East of England", "SFK"),
    ("E10000012", "Essex", "East of England", "ESS"),
    ("E09000007", "Camden", "London", "CMD"),
    ("E09000012", "Hackney", "London", "HCK"),
    ("E09000022", "Lambeth", "London", "LBH"),
    ("E09000025", "Newham", "London", "NWM"),
    ("E09000030", "Tower Hamlets", "London", "TWH"),
    ("E10000016", "Kent", "South East", "KEN"),
    ("E06000043", "Brighton and Hove", "South East", "BNH"),
    ("E06000044", "Portsmouth", "South East", "POR"),
    ("E06000052", "Cornwall", "South West", "CON"),
    ("E06000023", "Bristol, City of", "South West", "BST"),
    ("E06000026", "Plymouth", "South West", "PLY"),
    ("E10000008", "Devon", "South West", "DEV"),
]

# (slug, name, description): the default themes, loaded with the areas
THEMES = DEFAULT_THEMES

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
    ("steering.cochair@example.org", "Daniel Achterberg", [Role.STEERING_CHAIR, Role.STEERING_MEMBER], None),
    ("enabler@example.org", "David Mensah", [Role.ENABLER], None),
    ("officer@example.org", "Sarah Collins", [Role.PROGRAMME_OFFICER], None),
    ("finance@example.org", "James Whitfield", [Role.FINANCE_APPROVER], None),
    ("admin@example.org", "Alex Morgan", [Role.ADMIN], None),
    # Leads a wave 1 project for its council: the programme makes this account when it funds the bid.
    ("project.lead@example.org", "Rachel Adeyemi", [Role.APPLICANT], None),
]
PROJECT_LEAD = "project.lead@example.org"
CHAIRS = ("steering.chair@example.org", "steering.cochair@example.org")
