"""Synthetic CRM exports for leadflow's demo, tests and benchmarks.

Why a generator and not sample files: the warehouse has to be shown and tested on data that looks
like what RevOps really exports (several systems at once, the same person arriving many times, bots,
free-text picklists, mixed time zones, late files) and at sizes from a unit test to a million leads.
Every defect is planted on purpose at a known rate, and the truth behind it is written to
``ground_truth/`` so tests can score identity matching, spam flags, rejects and scoring against it.

How it is built: numpy draws every random number (PCG64 from the seed, always in the same order, so
the same arguments give the same files) as integer codes; DuckDB turns the codes into text and writes
the files with COPY. No Python loop runs per row: the few loops run over vocabularies, reps, periods,
files or fixed-size batches of activities.

Raw spellings of countries, industries, deal stages, activity types and lead sources, the rep ids and
the free / disposable mail domains all come from the dbt seeds (read at run time), so whatever the
generator writes is exactly what the warehouse's maps must cover, apart from the deliberately
unmapped values that docs/generator.md lists.
"""

from __future__ import annotations

import datetime
import json
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

SEEDS_DIR = Path(__file__).resolve().parents[1] / "seeds"
SIZES = {"S": 5_000, "M": 100_000, "L": 1_000_000}
FORMATS = ("csv", "csv.gz", "parquet", "jsonl")
ENTITIES = ("leads", "activities", "deals", "companies")
HISTORY_MONTHS = 16
DAILY_FILES = 7
DAY = 86_400
HOUR = 3_600
# Records per activity batch. Fixed, so the random stream (and so the output) never depends on memory.
ACTIVITY_BATCH = 100_000
VENDOR_SITE = "https://www.lumenary.io"

# --- defect and behaviour rates (docs/generator.md explains each) --------------------------------------
DUP_PERSON_SHARE = 0.15  # real persons with 2+ lead records
BOT_SHARE = 0.02  # of lead records
DISPOSABLE_SHARE = 0.01
FAKE_SHARE = 0.002
INVALID_EMAIL_SHARE = 0.02
FREE_MAIL_SHARE = 0.30  # of real persons
NEW_VERSION_SHARE = 0.03  # of lead records, re-exported later with changes
BAD_DATE_SHARE = 0.002  # of lead rows
BLANK_ID_SHARE = 0.001
UNMAPPED_INDUSTRY_SHARE = 0.01
DEAL_SHARE = 0.10  # deals per lead record
WIN_RATE = 0.25
DEAL_EMAIL_ONLY_SHARE = 0.15
UNKNOWN_ACTIVITY_PER_RECORD = 0.1  # ~0.5% of ~20 activities per record
LATE_ACTIVITY_SHARE = 0.02
EMAIL_ONLY_ELIGIBLE_SHARE = 0.075  # of marketing/web activities; ~3% of all activities
COMPANY_COVERAGE = 0.70
WIN_SLOPE = 0.8  # weight of the latent score in winning, relative to its weight in converting (1.0)

SOURCE_SYSTEMS = ("hubspot", "salesforce", "web_form", "import")
DUP_KINDS = (
    "email_case_whitespace",
    "plus_address",
    "gmail_dots",
    "other_source_system",
    "same_external_id",
    "domain_fuzzy_name",
    "no_email_name_phone",
)
SPAM_KINDS = ("bot_burst", "disposable", "fake")
ICP_INDUSTRIES = ("Software", "Financial Services", "Healthcare")
INDUSTRIES = (
    "Software", "Financial Services", "Healthcare", "Manufacturing", "Retail", "Education",
    "Professional Services", "Media", "Telecommunications", "Government", "Nonprofit", "Other",
)  # fmt: skip
INDUSTRY_WEIGHTS = (22, 12, 10, 10, 9, 6, 10, 6, 4, 4, 4, 3)
UNMAPPED_INDUSTRIES = ("Aerospace & Defense", "Agriculture", "Real Estate", "Hospitality", "Mining & Metals")
INDUSTRY_SUFFIXES = {
    "Software": ("Software", "Labs", "Systems", "Technologies", "Cloud", "AI"),
    "Financial Services": ("Capital", "Financial", "Bank", "Insurance", "Payments"),
    "Healthcare": ("Health", "Medical", "Therapeutics", "Care", "Bio"),
    "Manufacturing": ("Industries", "Manufacturing", "Motors", "Engineering"),
    "Retail": ("Retail", "Stores", "Brands", "Market"),
    "Education": ("University", "Academy", "Learning", "College"),
    "Professional Services": ("Consulting", "Advisors", "Partners", "Legal"),
    "Media": ("Media", "Studios", "Digital", "Agency"),
    "Telecommunications": ("Telecom", "Networks", "Communications"),
    "Government": ("Authority", "Agency", "Council"),
    "Nonprofit": ("Foundation", "Trust", "Alliance"),
    "Other": ("Group", "Holdings", "Co"),
}
COUNTRY_WEIGHTS = {
    "US": 34, "GB": 9, "DE": 6, "CA": 5, "FR": 4, "AU": 4, "IN": 4, "NL": 3, "ES": 2.5, "IT": 2,
    "BR": 2.5, "MX": 2, "SG": 2, "SE": 1.5, "CH": 1.5, "IE": 1.5, "JP": 1.5, "AR": 1, "BE": 1, "AT": 1,
    "PL": 1, "IL": 1, "AE": 1, "ZA": 1,
}  # fmt: skip
COUNTRY_WEIGHT_DEFAULT = 0.6
REGION_FIT = {"NA": 1.0, "EMEA": 0.8, "APAC": 0.5, "LATAM": 0.3}
COUNTRY_FIT = {"RU": 0.0, "CN": 0.0, "NG": 0.2}  # outside the supported territories
REGION_TEAM = {"NA": "na_sdr", "EMEA": "emea_sdr", "APAC": "apac_sdr", "LATAM": "apac_sdr"}
CALLING_CODES = {
    "US": 1, "CA": 1, "MX": 52, "BR": 55, "AR": 54, "GB": 44, "IE": 353, "DE": 49, "FR": 33, "ES": 34,
    "IT": 39, "NL": 31, "BE": 32, "CH": 41, "AT": 43, "SE": 46, "NO": 47, "DK": 45, "FI": 358, "PL": 48,
    "PT": 351, "IL": 972, "AE": 971, "ZA": 27, "NG": 234, "RU": 7, "IN": 91, "SG": 65, "AU": 61,
    "NZ": 64, "JP": 81, "CN": 86, "KR": 82, "HK": 852,
}  # fmt: skip
UTC_OFFSETS = {  # minutes; standard time is enough, any offset still encodes the true instant
    "US": -300, "CA": -300, "MX": -360, "BR": -180, "AR": -180, "GB": 0, "IE": 0, "PT": 0, "FI": 120,
    "IL": 120, "ZA": 120, "AE": 240, "RU": 180, "IN": 330, "SG": 480, "CN": 480, "HK": 480, "JP": 540,
    "KR": 540, "AU": 600, "NZ": 720,
}  # fmt: skip
UTC_OFFSET_DEFAULT = 60
LEGAL_SUFFIX = {"US": "Inc.", "CA": "Inc.", "GB": "Ltd", "IE": "Ltd", "DE": "GmbH", "AT": "GmbH", "CH": "AG",
                "FR": "SAS", "AU": "Pty Ltd", "NL": "B.V.", "ES": "S.L.", "IT": "S.r.l.", "IN": "Pvt Ltd"}  # fmt: skip
# (country, code, name, utc offset minutes) for the places whose state/province a form asks for.
STATES = (
    ("US", "CA", "California", -480), ("US", "NY", "New York", -300), ("US", "TX", "Texas", -360),
    ("US", "MA", "Massachusetts", -300), ("US", "WA", "Washington", -480), ("US", "IL", "Illinois", -360),
    ("US", "GA", "Georgia", -300), ("US", "CO", "Colorado", -420), ("US", "FL", "Florida", -300),
    ("CA", "ON", "Ontario", -300), ("CA", "BC", "British Columbia", -480), ("CA", "QC", "Quebec", -300),
    ("AU", "NSW", "New South Wales", 600), ("AU", "VIC", "Victoria", 600), ("AU", "WA", "Western Australia", 480),
    ("IN", "MH", "Maharashtra", 330), ("IN", "KA", "Karnataka", 330), ("DE", "BY", "Bavaria", 60),
    ("DE", "BE", "Berlin", 60), ("BR", "SP", "São Paulo", -180), ("BR", "RJ", "Rio de Janeiro", -180),
)  # fmt: skip

SENIORITY = ("c_level", "vp", "director", "manager", "individual", "other")
SENIORITY_WEIGHTS = (0.05, 0.08, 0.15, 0.27, 0.37, 0.08)
TITLES = (
    ("CEO", "Chief Executive Officer", "CTO", "Chief Technology Officer", "CFO", "COO",
     "Chief Marketing Officer", "Chief Revenue Officer", "Founder & CEO", "Co-Founder"),
    ("VP Sales", "VP of Marketing", "Vice President, Engineering", "VP Operations", "SVP Finance",
     "VP, Revenue Operations", "Vice President of IT"),
    ("Director of Marketing", "Sales Director", "Head of Growth", "Director, IT", "Head of Data",
     "Senior Director of Operations", "Director of Demand Generation", "Head of Sales"),
    ("Marketing Manager", "Sales Operations Manager", "IT Manager", "Engineering Manager",
     "Product Manager", "Finance Manager", "RevOps Manager", "Account Manager"),
    ("Software Engineer", "Data Analyst", "Marketing Specialist", "Sales Representative",
     "Business Analyst", "Accountant", "Operations Coordinator", "Developer"),
    ("Student", "Consultant", "Intern", "Freelancer", "Assistant"),
)  # fmt: skip
PERSONAS = ("Decision Maker", "Technical Evaluator", "End User", "Finance Buyer")
PRODUCTS = ("Lead Routing", "Lead Scoring", "Pipeline Analytics", "Full Platform", "lead routing", "Scoring")
CRM_STATUSES = {  # each system's own labels: initial, working, converted, closed
    "hubspot": ("NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED"),
    "salesforce": ("Open - Not Contacted", "Working - Contacted", "Working - Contacted", "Closed - Converted",
                   "Closed - Not Converted"),
    "web_form": ("New", "New", "Contacted", "Qualified", "Disqualified"),
    "import": ("New", "Open", "Working", "Converted", "Unqualified"),
}  # fmt: skip
PLUS_TAGS = ("webinar", "newsletter", "events", "promo", "crm", "work", "leads", "2026")
FREE_DOMAIN_WEIGHTS = {"gmail.com": 40, "yahoo.com": 12, "outlook.com": 12, "hotmail.com": 10}
FREE_DOMAIN_WEIGHT_DEFAULT = 1.5
ALT_FREE_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com")
FAKE_IDENTITIES = (  # (first, last, local pattern 2 = first name only / 0 = first.last, domain)
    ("Test", "Test", 2, "test.com"), ("asdf", "asdf", 2, "asdf.com"), ("Test", "User", 2, "example.com"),
    ("John", "Doe", 0, "example.com"), ("aaa", "aaa", 2, "aaa.com"), ("qwerty", "qwerty", 2, "qwerty.com"),
    ("Fake", "Name", 2, "fake.com"), ("x", "x", 2, "x.com"),
)  # fmt: skip
FAKE_WEIGHTS = (0.35, 0.25, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05)  # test@test.com and asdf@asdf.com lead
JUNK_COMPANIES = ("Test", "N/A", "none", "asdf", "Self-employed", "-", "Company", "xxx")
BOT_TLDS = (".com", ".ru", ".xyz", ".top", ".info")
BOT_IP_PREFIXES = (0x2D8C0000, 0xB9DC0000, 0x67A00000, 0x05BC0000)  # 45.140/16, 185.220/16, 103.160/16, 5.188/16
UNKNOWN_ACTIVITY_TYPES = ("chat_started", "SMS Sent", "gift_sent", "Chat Started", "direct_mail_sent",
                          "g2_intent_signal")  # fmt: skip

# Lead-source channels as named in lead_source_map.csv, and how each system's leads are distributed.
CHANNELS = (
    "Paid Search", "Paid Social", "Organic Search", "Webinar", "Event", "Referral", "Partner",
    "Content", "Direct", "Email", "Outbound", "List Import",
)  # fmt: skip
CHANNEL_MIX = {
    "hubspot": (15, 12, 15, 15, 8, 5, 5, 15, 0, 10, 0, 0),
    "salesforce": (0, 0, 0, 10, 20, 15, 15, 0, 10, 0, 30, 0),
    "web_form": (25, 15, 25, 5, 0, 5, 0, 10, 15, 0, 0, 0),
    "import": (0, 0, 0, 0, 40, 0, 0, 0, 0, 0, 0, 60),
}
SYSTEM_MIX = (0.40, 0.25, 0.22, 0.13)
# (channel, utm_source, utm_medium, utm_campaign, landing path)
CAMPAIGNS = (
    ("Paid Search", "google", "cpc", "nonbrand_lead_routing", "/lp/lead-routing"),
    ("Paid Search", "google", "cpc", "brand_core", "/"),
    ("Paid Search", "bing", "ppc", "nonbrand_lead_scoring", "/lp/lead-scoring"),
    ("Paid Search", "Google", "cpc", "retargeting_pricing", "/pricing"),
    ("Paid Social", "linkedin", "paid_social", "li_leadgen_revops", "/lp/revops-guide"),
    ("Paid Social", "linkedin", "paid_social", "li_lookalike_sales_leaders", "/lp/speed-to-lead"),
    ("Paid Social", "facebook", "cpc", "fb_retargeting", "/demo"),
    ("Webinar", "hubspot", "email", "webinar_revops_101", "/webinars/revops-101"),
    ("Webinar", "linkedin", "social", "webinar_ai_forecasting", "/webinars/ai-forecasting"),
    ("Content", "techtarget", "content_syndication", "ebook_lead_scoring", "/resources/ebook-lead-scoring"),
    ("Content", "g2", "referral", "g2_category_page", "/resources/buyers-guide"),
    ("Email", "hubspot", "email", "newsletter_monthly", "/blog/speed-to-lead"),
    ("Email", "hubspot", "email", "product_update", "/product/scoring"),
    ("Event", "event", "offline", "saastr_2026_booth", "/events"),
)  # fmt: skip
NURTURE_CAMPAIGNS = (11, 12, 7)  # indexes into CAMPAIGNS used by marketing emails
PAGES = (
    "/", "/product/lead-routing", "/product/scoring", "/product/analytics", "/blog/speed-to-lead",
    "/blog/lead-scoring-guide", "/customers", "/integrations/salesforce", "/integrations/hubspot",
    "/about", "/careers", "/docs/getting-started", "/pricing", "/pricing?plan=enterprise", "/demo",
)  # fmt: skip
PRICING_PAGES = (12, 13)
DEMO_PAGE = 14
GENERAL_PAGES = tuple(range(12))

# Canonical activity kinds (those of activity_type_map.csv) in a fixed order; codes index this tuple.
ACT_KINDS = (
    "form_submit", "demo_request", "content_download", "webinar_registration", "webinar_attendance",
    "event_scan", "page_view", "pricing_page_view", "paid_click", "email_sent", "email_open",
    "email_click", "email_reply", "email_bounce", "unsubscribe", "call", "meeting_booked",
    "meeting_held", "linkedin_message", "task_scheduled", "status_change", "sales_accepted",
    "sales_rejected", "disqualified", "sdr_feedback",
)  # fmt: skip
K = {name: i for i, name in enumerate(ACT_KINDS)}
ACT_CHANNELS = ("email", "phone", "web", "linkedin", "event", "paid_search", "paid_social", "webinar",
                "video", "chat", "sms")  # fmt: skip
CH = {name: i for i, name in enumerate(ACT_CHANNELS)}
OUTCOMES = ("connected", "no_answer", "left_voicemail", "wrong_number", "replied", "bounced", "hard_bounce")
OUTCOME_CALL_WEIGHTS = (0.2, 0.45, 0.3, 0.05)
NEW_STATUSES = ("Contacted", "Engaged", "MQL", "SAL", "SQL", "Disqualified", "In Nurture")
ST = {name: i for i, name in enumerate(NEW_STATUSES)}
DISQUALIFY_REASONS = ("Bad fit", "No budget", "No response", "Competitor customer", "Student / personal",
                      "Wrong contact", "Duplicate")  # fmt: skip
REJECT_REASONS = ("Not ICP", "No budget", "Bad timing", "Duplicate", "Insufficient information",
                  "Already a customer")  # fmt: skip
REASONS = DISQUALIFY_REASONS + REJECT_REASONS + ("Spam",)
CAMPAIGN_MEMBER_STATUSES = ("Sent", "Responded", "Registered", "Attended", "No Show", "Clicked")
LOST_REASONS = ("Price", "Lost to competitor", "No decision", "Timing", "Budget cut", "Went dark",
                "Product fit")  # fmt: skip
DEAL_STAGES = ("Qualified", "Proposal", "Negotiation", "Won", "Lost")
# Each SDR's median minutes to first outbound touch, by position among the seed's SDRs (cyclic): some
# answer within minutes, some in a day or more, which is what speed-to-lead reporting has to show.
SDR_SPEED_MINUTES = (6, 30, 90, 15, 240, 10, 60, 900, 25, 8, 180, 1440)
SDR_SPEED_SIGMA = 0.9

FIRST_NAMES = (
    "Mary", "Patricia", "Elizabeth", "Katherine", "Jessica", "Sarah", "Nicole", "Michael", "James", "John",
    "Robert", "William", "David", "Richard", "Joseph", "Thomas", "Charles", "Michelle", "Sandra",
    "Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven", "Paul", "Andrew", "Joshua",
    "Kenneth", "Kevin", "Brian", "George", "Timothy", "Ronald", "Edward", "Jason", "Jeffrey", "Ryan",
    "Jacob", "Gary", "Nicholas", "Eric", "Jonathan", "Stephen", "Larry", "Justin", "Scott", "Brandon",
    "Benjamin", "Samuel", "Gregory", "Alexander", "Frank", "Patrick", "Raymond", "Jack", "Dennis",
    "Tyler", "Aaron", "Jose", "Adam", "Nathan", "Henry", "Douglas", "Zachary", "Peter", "Kyle", "Ethan",
    "Walter", "Noah", "Jeremy", "Christian", "Keith", "Roger", "Terry", "Gerald", "Harold", "Sean",
    "Austin", "Carl", "Arthur", "Lawrence", "Dylan", "Jesse", "Jordan", "Bruce", "Gabriel", "Logan",
    "Albert", "Juan", "Wayne", "Elijah", "Randy", "Vincent", "Ralph", "Eugene", "Russell", "Mason",
    "Philip", "Louis", "Jennifer", "Linda", "Barbara", "Susan", "Karen", "Lisa", "Nancy", "Betty",
    "Margaret", "Ashley", "Kimberly",
    "Emily", "Donna", "Carol", "Amanda", "Dorothy", "Melissa", "Deborah", "Stephanie",
    "Rebecca", "Sharon", "Laura", "Cynthia", "Kathleen", "Amy", "Angela", "Shirley", "Anna", "Brenda",
    "Pamela", "Emma", "Helen", "Samantha", "Christine", "Rachel", "Carolyn",
    "Janet", "Catherine", "Maria", "Heather", "Diane", "Ruth", "Julie", "Olivia", "Joyce", "Virginia",
    "Victoria", "Kelly", "Lauren", "Christina", "Joan", "Evelyn", "Judith", "Megan", "Andrea", "Cheryl",
    "Hannah", "Jacqueline", "Martha", "Gloria", "Teresa", "Ann", "Sara", "Madison", "Frances", "Kathryn",
    "Janice", "Jean", "Abigail", "Alice", "Julia", "Judy", "Sophia", "Grace", "Denise", "Amber", "Doris",
    "Marilyn", "Danielle", "Beverly", "Isabella", "Theresa", "Diana", "Natalie", "Brittany", "Charlotte",
    "Marie", "Kayla", "Alexis", "Lori", "Lukas", "Felix", "Jonas", "Leon", "Maximilian", "Sophie", "Lena",
    "Pierre", "Camille", "Chloé", "Léa", "Hugo", "Mathieu", "Giulia", "Marco", "Luca", "Francesca",
    "Alessandro", "Mateo", "Lucía", "Javier", "Carmen", "Pablo", "Sven", "Lars", "Ingrid", "Astrid",
    "Erik", "Anders", "Freya", "Piotr", "Agnieszka", "Priya", "Rahul", "Arjun", "Ananya", "Vikram",
    "Deepa", "Wei", "Hiroshi", "Yuki", "Haruto", "Min-jun", "Ji-woo", "Mei", "Oluwaseun", "Chinedu",
    "Amara", "Thandiwe", "Siobhan", "Aoife", "Niamh", "Ciaran", "Rafael", "Gabriela", "Thiago", "Camila",
    "Yosef", "Noa", "Omar", "Fatima", "Layla", "Zoë", "Björn", "Søren",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee",
    "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker",
    "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams",
    "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gomez", "Phillips",
    "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris",
    "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey",
    "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson", "Brooks", "Chavez",
    "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price", "Alvarez", "Castillo",
    "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez", "Powell", "Jenkins", "Perry",
    "Russell", "Sullivan", "Bell", "Coleman", "Butler", "Henderson", "Barnes", "Fisher", "Vasquez",
    "Simmons", "Romero", "Jordan", "Patterson", "Alexander", "Hamilton", "Graham", "Reynolds", "Griffin",
    "Wallace", "Moreno", "West", "Cole", "Hayes", "Bryant", "Herrera", "Gibson", "Ellis", "Tran",
    "Medina", "Aguilar", "Stevens", "Murray", "Ford", "Castro", "Marshall", "Owens", "Harrison",
    "Fernandez", "McDonald", "Woods", "Washington", "Kennedy", "Wells", "Vargas", "Henry", "Chen",
    "Freeman", "Webb", "Tucker", "Guzman", "Burns", "Crawford", "Olson", "Simpson", "Porter", "Hunter",
    "Gordon", "Mendez", "Silva", "Shaw", "Snyder", "Mason", "Dixon", "Munoz", "Hunt", "Hicks", "Holmes",
    "Palmer", "Wagner", "Black", "Robertson", "Boyd", "Rose", "Stone", "Salazar", "Fox", "Warren",
    "Mills", "Meyer", "Rice", "Schmidt", "Garza", "Daniels", "Ferguson", "Nichols", "Stephens", "Soto",
    "Weaver", "Ryan", "Gardner", "Payne", "Grant", "Dunn", "Spencer", "Hawkins", "Arnold", "Pierce",
    "Hansen", "Peters", "Santos", "Hart", "Bradley", "Knight", "Elliott", "Cunningham", "Duncan",
    "Armstrong", "Hudson", "Carroll", "Lane", "Riley", "Andrews", "Alvarado", "Ray", "Delgado", "Berry",
    "Perkins", "Hoffman", "Müller", "Schneider", "Fischer", "Weber", "Becker", "Dubois", "Lefebvre",
    "Moreau", "Laurent", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo",
    "Fernández", "Jensen", "Nielsen", "Andersson", "Johansson", "Karlsson", "Nowak", "Kowalski",
    "Wiśniewski", "Sharma", "Gupta", "Singh", "Kumar", "Reddy", "Iyer", "Mehta", "Wang", "Zhang", "Liu",
    "Yang", "Huang", "Tanaka", "Suzuki", "Takahashi", "Watanabe", "Sato", "Park", "Choi", "Okafor",
    "Adeyemi", "Nkosi", "Van der Berg", "De Jong", "O'Brien", "O'Connor", "Byrne", "McCarthy", "Walsh",
    "Cohen", "Levi", "Haddad", "Khan", "Ali", "Novak", "Horvat", "Popescu", "Ivanova", "Kovacs",
)  # fmt: skip
# Nicknames and common misspellings that people really type; only those that stay within the
# Jaro-Winkler thresholds of the duplicate rule survive (see _safe_variants).
NICKNAMES = {
    "John": ("Jon", "Johnn"), "Jonathan": ("Jonathon",), "Katherine": ("Kathrine", "Katharine"),
    "Catherine": ("Cathrine", "Catharine"), "Steven": ("Stevan",), "Stephen": ("Stephan",),
    "Jeffrey": ("Jeffery", "Jeff"), "Michael": ("Micheal", "Michal"), "Sarah": ("Sara",), "Ann": ("Anne",),
    "Philip": ("Phillip",), "Brian": ("Bryan",), "Nicholas": ("Nicolas", "Nickolas"), "Matthew": ("Mathew",),
    "Isabella": ("Isabela",), "Rebecca": ("Rebeca", "Becca"), "Elizabeth": ("Elisabeth",),
    "Teresa": ("Theresa",), "Eric": ("Erik",), "Daniel": ("Danial",), "Kimberly": ("Kimberley",),
    "Christopher": ("Christoper", "Kristopher"), "Samantha": ("Samanta",), "Jacqueline": ("Jaqueline",),
    "Alexander": ("Alexandr",), "Gregory": ("Gregroy",), "Anthony": ("Antony",), "Sophia": ("Sofia",),
    "Zachary": ("Zackary", "Zachery"), "Natalie": ("Nathalie",), "Lukas": ("Lucas",), "Mathieu": ("Matthieu",),
}  # fmt: skip
SYLLABLES = (
    "ver", "ta", "lo", "nex", "quor", "ra", "lin", "mo", "sy", "zen", "ka", "tri", "vo", "lu", "mi", "dra",
    "cor", "bel", "ax", "is", "on", "ly", "pa", "ro", "sta", "te", "vi", "gen", "fin", "no", "ar", "el",
    "qu", "ia", "tek", "ol", "an", "cy", "dex", "fy", "hal", "jo", "kin", "mar", "nor", "pix", "rel",
    "sol", "tor", "um", "val", "wex", "yo", "zo", "bri", "cla", "flo", "gra", "pro", "str", "ves", "ori",
    "ent", "ux",
)  # fmt: skip


# --- seeds ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeds:
    """The reference data the warehouse maps raw values with; the generator draws raw values from it."""

    countries: pd.DataFrame  # code, name, region, iso3, aliases, weight, offset, calling_code
    activity_spellings: dict[str, list[str]]
    stage_spellings: dict[str, list[str]]
    industry_spellings: dict[str, list[str]]
    source_spellings: dict[str, list[str]]
    free_domains: list[str]
    disposable_domains: list[str]
    reps: pd.DataFrame


def _read_seed(seeds_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(seeds_dir / name, dtype=str, keep_default_na=False)


def _grouped(frame: pd.DataFrame, key: str, value: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in zip(frame[key], frame[value], strict=True):
        out.setdefault(str(k), []).append(str(v))
    return out


def load_seeds(seeds_dir: Path = SEEDS_DIR) -> Seeds:
    aliases = _read_seed(seeds_dir, "country_aliases.csv")
    rows = []
    for code, group in aliases.groupby("country_code", sort=False):
        names = [str(a) for a in group["alias"]]
        name = str(group["country_name"].iloc[0])
        iso3 = next(a for a in names if len(a) == 3 and a.isalpha() and a != name.lower())
        rows.append(
            {
                "code": code,
                "name": name,
                "region": str(group["region"].iloc[0]),
                "iso3": iso3,
                "aliases": names,
                "weight": COUNTRY_WEIGHTS.get(str(code), COUNTRY_WEIGHT_DEFAULT),
                "offset": UTC_OFFSETS.get(str(code), UTC_OFFSET_DEFAULT),
                "calling_code": CALLING_CODES.get(str(code), 1),
            }
        )
    reps = _read_seed(seeds_dir, "reps.csv")
    return Seeds(
        countries=pd.DataFrame(rows),
        activity_spellings=_grouped(_read_seed(seeds_dir, "activity_type_map.csv"), "activity_type", "source_value"),
        stage_spellings=_grouped(_read_seed(seeds_dir, "deal_stage_map.csv"), "deal_stage", "source_value"),
        industry_spellings=_grouped(_read_seed(seeds_dir, "industry_map.csv"), "industry", "source_value"),
        source_spellings=_grouped(_read_seed(seeds_dir, "lead_source_map.csv"), "channel", "source_value"),
        free_domains=list(_read_seed(seeds_dir, "free_email_domains.csv")["domain"]),
        disposable_domains=list(_read_seed(seeds_dir, "disposable_email_domains.csv")["domain"]),
        reps=reps,
    )


# --- calendar ------------------------------------------------------------------------------------------


def _epoch(day: datetime.date) -> int:
    return (day - datetime.date(1970, 1, 1)).days * DAY


@dataclass(frozen=True)
class Calendar:
    """Export periods: one per month of history, then one per day for the last week.

    A row belongs to the period holding its version time; the file for a period is named after it.
    """

    labels: tuple[str, ...]
    starts: np.ndarray  # epoch seconds, UTC
    ends: np.ndarray
    start: int
    end: int  # exclusive: midnight after end_date, the moment of the last export

    @property
    def n(self) -> int:
        return len(self.labels)

    def period(self, t: np.ndarray) -> np.ndarray:
        return (np.searchsorted(self.starts, t, side="right") - 1).clip(0, self.n - 1).astype(np.int16)


def make_calendar(end_date: datetime.date) -> Calendar:
    month = end_date.month - (HISTORY_MONTHS - 1)
    first = datetime.date(end_date.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    daily_start = end_date - datetime.timedelta(days=DAILY_FILES - 1)
    labels, starts, ends = [], [], []
    cursor = first
    while cursor < daily_start:
        nxt = datetime.date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
        labels.append(cursor.strftime("%Y-%m"))
        starts.append(_epoch(cursor))
        ends.append(_epoch(min(nxt, daily_start)))
        cursor = nxt
    for i in range(DAILY_FILES):
        day = daily_start + datetime.timedelta(days=i)
        labels.append(day.isoformat())
        starts.append(_epoch(day))
        ends.append(_epoch(day) + DAY)
    return Calendar(tuple(labels), np.array(starts), np.array(ends), starts[0], ends[-1])


def _seasonal_days(cal: Calendar) -> tuple[np.ndarray, np.ndarray]:
    """Day weights for lead creation: fewer at weekends, a December dip, September and March peaks,
    and a business that grows over the history."""
    days = np.arange(cal.start // DAY, cal.end // DAY)
    dates = pd.DatetimeIndex(days.astype("datetime64[D]"))
    weekday = np.array([1.0, 1.05, 1.05, 1.0, 0.9, 0.35, 0.3])[dates.dayofweek]
    month = np.array([0, 1.0, 1.05, 1.3, 1.05, 1.0, 0.95, 0.85, 0.85, 1.3, 1.1, 1.0, 0.6])[dates.month]
    holidays = np.where((dates.month == 12) & (dates.day >= 22) | (dates.month == 1) & (dates.day <= 2), 0.5, 1)
    trend = 1 + 0.35 * (days - days[0]) / max(len(days) - 1, 1)
    weights = weekday * month * holidays * trend
    return days, weights / weights.sum()


HOUR_WEIGHTS = np.array(
    [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 2.5, 3.5, 3.8, 3.6, 3.0, 3.4, 3.6, 3.4, 3.0, 2.2, 1.4, 1.0, 0.9,
     0.8, 0.6, 0.4]
)  # fmt: skip


def _local_times(rng: np.random.Generator, cal: Calendar, offsets: np.ndarray) -> np.ndarray:
    """Creation instants: a seasonal local day and office-shaped local hour, moved to UTC."""
    days, weights = _seasonal_days(cal)
    day = days[rng.choice(len(days), size=len(offsets), p=weights)]
    hour = rng.choice(24, size=len(offsets), p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    t = day * DAY + hour * HOUR + rng.integers(0, HOUR, len(offsets)) - offsets.astype(np.int64) * 60
    return t.clip(cal.start, cal.end - 1)


# --- small numeric helpers -----------------------------------------------------------------------------


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _solve(f: Callable[[float], float], lo: float = -20.0, hi: float = 20.0) -> float:
    """Root of an increasing function by bisection: calibrates intercepts to target rates."""
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) < 0 else (lo, mid)
    return (lo + hi) / 2


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Owner index and rank within owner for ``counts[i]`` children of each owner i."""
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(len(owner)) - np.repeat(starts, counts)


def _pick(rng: np.random.Generator, weights: Sequence[float], n: int) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return rng.choice(len(w), size=n, p=w / w.sum()).astype(np.int32)


def _group_cumsum(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each owner of an _expand layout."""
    if len(values) == 0:
        return values
    total = np.cumsum(values)
    starts = np.cumsum(counts) - counts
    before = np.where(starts > 0, total[np.maximum(starts - 1, 0)], 0)
    return total - np.repeat(before, counts)


@dataclass(frozen=True)
class Spellings:
    """Raw spellings per canonical key with weights; draws a spelling code per row, vectorised."""

    raw: tuple[str, ...]
    offsets: np.ndarray
    cum: np.ndarray  # (keys, max spellings) cumulative weights padded with 1.0

    @classmethod
    def build(cls, groups: Sequence[Sequence[tuple[str, float]]]) -> Spellings:
        width = max(len(g) for g in groups)
        cum = np.ones((len(groups), width))
        raw: list[str] = []
        offsets = []
        for i, group in enumerate(groups):
            offsets.append(len(raw))
            w = np.array([x[1] for x in group], dtype=float)
            cum[i, : len(group)] = np.cumsum(w / w.sum())
            raw.extend(x[0] for x in group)
        cum[:, -1] = 1.0
        return cls(tuple(raw), np.array(offsets), cum)

    def draw(self, rng: np.random.Generator, keys: np.ndarray) -> np.ndarray:
        u = rng.random(len(keys))
        out = np.empty(len(keys), dtype=np.int32)
        for lo in range(0, len(keys), 1_000_000):
            k = keys[lo : lo + 1_000_000]
            j = (u[lo : lo + 1_000_000, None] >= self.cum[k]).sum(axis=1)
            out[lo : lo + 1_000_000] = self.offsets[k] + np.minimum(j, self.cum.shape[1] - 1)
        return out


ACRONYMS = frozenset({"seo", "ppc", "sdr", "it", "uk", "us", "usa", "uae", "u.s.", "u.s.a.", "u.k."})


def _title(text: str) -> str:
    return " ".join(w.upper() if w in ACRONYMS else w[:1].upper() + w[1:] for w in text.split(" "))


def _case_variants(values: Sequence[str], canonical_weight: float = 3.0) -> list[tuple[str, float]]:
    """A picklist value as people and systems really spell it: as mapped, Title Case, UPPER."""
    out: list[tuple[str, float]] = []
    for i, v in enumerate(values):
        w = canonical_weight if i == 0 else 1.0
        out += [(v, w), (v.upper(), w * 0.1)]
        if "_" not in v:  # 'Email Sent' is how people type it; nobody writes 'Email_sent'
            out.append((_title(v), w * 0.8))
    seen: dict[str, float] = {}
    for raw, w in out:
        seen[raw] = seen.get(raw, 0.0) + w
    return list(seen.items())


# --- names -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameBook:
    """Name vocabularies in which no two names are near-duplicates, plus each name's safe variants.

    Distinct colleagues must never look like one person to a fuzzy matcher (first-name Jaro-Winkler
    >= 0.85 and last-name >= 0.90). Pruning the vocabularies so that no two names reach those
    thresholds, and making (domain, first, last) unique, guarantees it for every pair of persons.
    The variants (Jon for John, Kathrine for Katherine) reach the threshold with their own name only,
    so a planted fuzzy duplicate matches its person and nobody else.
    """

    first: tuple[str, ...]
    last: tuple[str, ...]
    first_variants: tuple[tuple[str, ...], ...]
    last_variants: tuple[tuple[str, ...], ...]


FIRST_NAME_THRESHOLD = 0.85
LAST_NAME_THRESHOLD = 0.90


def _similarity(con: duckdb.DuckDBPyConnection, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
    con.register("_sim_a", pa.table({"i": np.arange(len(a)), "s": [x.lower() for x in a]}))
    con.register("_sim_b", pa.table({"j": np.arange(len(b)), "s": [x.lower() for x in b]}))
    got = con.execute(
        "select a.i, b.j, jaro_winkler_similarity(a.s, b.s) as sim from _sim_a a cross join _sim_b b"
    ).fetchnumpy()
    con.unregister("_sim_a")
    con.unregister("_sim_b")
    out = np.zeros((len(a), len(b)))
    out[got["i"], got["j"]] = got["sim"]
    return out


def _prune(con: duckdb.DuckDBPyConnection, names: Sequence[str], threshold: float) -> tuple[str, ...]:
    sim = _similarity(con, names, names)
    kept: list[int] = []
    for i in range(len(names)):
        if all(sim[i, j] < threshold for j in kept):
            kept.append(i)
    return tuple(names[i] for i in kept)


def _typos(name: str) -> list[str]:
    """Misspellings a person makes in their own name on a second form: a dropped, swapped or doubled
    letter, interleaved so that each name gets a mix."""
    inner = range(1, len(name) - 1)
    dropped = [name[:i] + name[i + 1 :] for i in inner]
    swapped = [name[:i] + name[i + 1] + name[i] + name[i + 2 :] for i in inner]
    doubled = [name[:i] + name[i] + name[i:] for i in inner]
    out: list[str] = []
    for group in zip(dropped, swapped, doubled, strict=True):
        out += [t for t in group if t.isascii() and t.isalpha() and t != name and t not in out]
    return out


def _safe_variants(
    con: duckdb.DuckDBPyConnection,
    names: tuple[str, ...],
    threshold: float,
    nicknames: dict[str, tuple[str, ...]],
    per_name: int = 5,
) -> tuple[tuple[str, ...], ...]:
    candidates = [list(nicknames.get(n, ())) + _typos(n) for n in names]
    flat = [c for group in candidates for c in group]
    owner = np.repeat(np.arange(len(names)), [len(g) for g in candidates])
    sim = _similarity(con, flat, names)
    own = sim[np.arange(len(flat)), owner]
    sim[np.arange(len(flat)), owner] = 0
    lowered = {n.lower() for n in names}
    ok = (own >= threshold) & (sim.max(axis=1) < threshold) & np.array([c.lower() not in lowered for c in flat])
    out: list[list[str]] = [[] for _ in names]
    for c, o, good in zip(flat, owner, ok, strict=True):
        if good and len(out[o]) < per_name and c not in out[o]:
            out[o].append(c)
    return tuple(tuple(v) for v in out)


def build_name_book(con: duckdb.DuckDBPyConnection) -> NameBook:
    first = _prune(con, FIRST_NAMES, FIRST_NAME_THRESHOLD)
    last = _prune(con, LAST_NAMES, LAST_NAME_THRESHOLD)
    return NameBook(
        first=first,
        last=last,
        first_variants=_safe_variants(con, first, FIRST_NAME_THRESHOLD, NICKNAMES),
        last_variants=_safe_variants(con, last, LAST_NAME_THRESHOLD, {}),
    )


def _gibberish(rng: np.random.Generator, n: int, lo: int = 4, hi: int = 8) -> np.ndarray:
    """Keyboard-mash names for bots (Xkqzv Bprtl): random letters, consonant-heavy, capitalised."""
    letters = np.frombuffer(b"bcdfghjklmnpqrstvwxzbcdfgkprstaeiouy", dtype=np.uint8)
    chars = letters[rng.integers(0, len(letters), (n, hi))].copy()
    length = rng.integers(lo, hi + 1, n)
    chars[np.arange(hi)[None, :] >= length[:, None]] = 0
    chars[:, 0] -= 32
    return chars.view(f"S{hi}").ravel().astype(str).astype(object)


# --- accounts and persons --------------------------------------------------------------------------------


@dataclass
class Accounts:
    """Employers. Persons work at one; corporate email domains and the companies files come from here."""

    name: np.ndarray
    domain: np.ndarray
    industry: np.ndarray  # index into INDUSTRIES
    employees: np.ndarray
    revenue_cents: np.ndarray
    country: np.ndarray  # row of Seeds.countries
    state: np.ndarray  # index into STATES or -1
    office_ip: np.ndarray

    @property
    def n(self) -> int:
        return len(self.name)


def _ips(rng: np.random.Generator, n: int) -> np.ndarray:
    """Public-looking IPv4 addresses as integers (first octet avoids private and reserved ranges)."""
    first = rng.choice(np.array([24, 50, 62, 66, 71, 73, 76, 81, 82, 86, 92, 98, 104, 108, 174, 188, 190, 201]), n)
    return (first.astype(np.int64) << 24) + rng.integers(0, 1 << 24, n)


def make_accounts(rng: np.random.Generator, seeds: Seeds, n: int) -> Accounts:
    syl = np.array([*SYLLABLES, ""], dtype=np.dtypes.StringDType())
    base = len(SYLLABLES)
    two, three = base**2, base**3
    wanted = int(n * 1.2) + 50
    # names of two or three syllables; four-syllable names only when those run out (beyond ~1.1M lead records),
    # so every smaller size draws exactly what it always drew
    space = two + three if wanted <= two + three else two + three + base**4
    codes = rng.choice(space, size=wanted, replace=False)
    length = np.where(codes < two, 2, np.where(codes < two + three, 3, 4))
    rest = codes - np.where(length == 2, 0, np.where(length == 3, two, two + three))
    parts = [np.where(position < length, (rest // base ** np.maximum(length - 1 - position, 0)) % base, base)
             for position in range(4)]  # fmt: skip
    brand = np.strings.add(np.strings.add(syl[parts[0]], syl[parts[1]]), np.strings.add(syl[parts[2]], syl[parts[3]]))
    _, first_seen = np.unique(brand, return_index=True)
    brand = brand[np.sort(first_seen)[:n]]
    if len(brand) < n:
        raise ValueError(f"could not draw {n} distinct company names")
    industry = _pick(rng, INDUSTRY_WEIGHTS, n)
    country = _pick(rng, seeds.countries["weight"].to_numpy(dtype=float), n)
    suffix_pick = rng.integers(0, 100, n)
    suffix = np.array([INDUSTRY_SUFFIXES[INDUSTRIES[i]][s % len(INDUSTRY_SUFFIXES[INDUSTRIES[i]])]
                       for i in range(len(INDUSTRIES)) for s in range(100)], dtype=object)  # fmt: skip
    name = np.strings.capitalize(brand).astype(object) + " " + suffix[industry * 100 + suffix_pick]
    codes_by_row = seeds.countries["code"].to_numpy()[country]
    tld = np.full(n, ".com", dtype=object)
    u = rng.random(n)
    for cc, local_tld, share in (("GB", ".co.uk", 0.5), ("DE", ".de", 0.5), ("FR", ".fr", 0.4), ("AU", ".com.au", 0.5),
                                 ("IN", ".in", 0.3), ("NL", ".nl", 0.4), ("ES", ".es", 0.3), ("IT", ".it", 0.3),
                                 ("BR", ".com.br", 0.4), ("JP", ".co.jp", 0.4)):  # fmt: skip
        tld[(codes_by_row == cc) & (u < share)] = local_tld
    tld[(np.array(INDUSTRIES)[industry] == "Software") & (u > 0.8)] = ".io"
    tld[(np.array(INDUSTRIES)[industry] == "Nonprofit") & (u > 0.3)] = ".org"
    domain = brand.astype(object) + tld
    employees = np.clip(np.round(rng.lognormal(np.log(120), 1.5, n)), 1, 250_000).astype(np.int64)
    revenue = np.round(employees * rng.lognormal(np.log(150_000), 0.5, n), -3).astype(np.int64) * 100
    state = np.full(n, -1, dtype=np.int16)
    state_country = np.array([s[0] for s in STATES])
    for cc in np.unique(state_country):
        options = np.flatnonzero(state_country == cc)
        mask = codes_by_row == cc
        state[mask] = options[rng.integers(0, len(options), mask.sum())]
    return Accounts(name, domain, industry, employees, revenue, country, state, _ips(rng, n))


@dataclass
class People:
    """Every person behind the lead records: real people first, then one person per spam record."""

    n_real: int
    account: np.ndarray  # -1 for spam
    first: np.ndarray  # code in the first-name table
    last: np.ndarray
    level: np.ndarray  # index into SENIORITY, -1 for spam
    title: np.ndarray  # index into the flattened TITLES, -1 none
    country: np.ndarray  # -1 unknown
    state: np.ndarray
    offset: np.ndarray  # local UTC offset, minutes
    email_kind: np.ndarray  # 0 corporate, 1 free mail, 2 disposable, 3 bot, 4 fake
    phone_nn: np.ndarray  # national number, 0 = none
    phone_cc: np.ndarray
    spam_kind: np.ndarray  # -1 or index into SPAM_KINDS
    t_first: np.ndarray
    fit: np.ndarray
    engagement: np.ndarray
    score: np.ndarray
    p_convert: np.ndarray
    p_win: np.ndarray
    propensity: np.ndarray

    @property
    def n(self) -> int:
        return len(self.account)


def _zipf_choice(rng: np.random.Generator, n_options: int, n: int, bias: float = 15.0) -> np.ndarray:
    w = 1.0 / (np.arange(n_options) + bias)
    return rng.choice(n_options, size=n, p=w / w.sum()).astype(np.int32)


def _unique_names(rng: np.random.Generator, account: np.ndarray, names: NameBook) -> tuple[np.ndarray, np.ndarray]:
    """First and last name codes, redrawn until (account, first, last) is unique."""
    nf, nl = len(names.first), len(names.last)
    first = _zipf_choice(rng, nf, len(account))
    last = _zipf_choice(rng, nl, len(account))
    for _ in range(100):
        key = (account.astype(np.int64) * nf + first) * nl + last
        order = np.argsort(key, kind="stable")
        dup = np.zeros(len(key), dtype=bool)
        dup[order[1:]] = key[order[1:]] == key[order[:-1]]
        if not dup.any():
            return first, last
        first[dup] = rng.integers(0, nf, dup.sum())
        last[dup] = rng.integers(0, nl, dup.sum())
    raise RuntimeError("could not make (account, first name, last name) unique")


TITLE_OFFSETS = np.cumsum([0] + [len(t) for t in TITLES])[:-1]
FLAT_TITLES = tuple(t for level in TITLES for t in level)


def make_people(
    rng: np.random.Generator, seeds: Seeds, cal: Calendar, accounts: Accounts, names: NameBook, n_real: int
) -> People:
    w = np.minimum(rng.pareto(1.3, accounts.n) + 1, 60.0)
    account = rng.choice(accounts.n, size=n_real, p=w / w.sum()).astype(np.int32)
    first, last = _unique_names(rng, account, names)
    level = _pick(rng, SENIORITY_WEIGHTS, n_real)
    title = (TITLE_OFFSETS[level] + rng.integers(0, 100, n_real) % np.array([len(t) for t in TITLES])[level]).astype(
        np.int16
    )
    moved = rng.random(n_real) < 0.08  # remote staff in another country than their employer's
    country = np.where(moved, _pick(rng, seeds.countries["weight"].to_numpy(dtype=float), n_real),
                       accounts.country[account]).astype(np.int16)  # fmt: skip
    state = np.where(moved, -1, accounts.state[account]).astype(np.int16)
    offset = seeds.countries["offset"].to_numpy()[country].astype(np.int16)
    state_offset = np.array([s[3] for s in STATES], dtype=np.int16)
    offset = np.where(state >= 0, state_offset[np.maximum(state, 0)], offset).astype(np.int16)
    email_kind = (rng.random(n_real) < FREE_MAIL_SHARE).astype(np.int8)
    has_phone = rng.random(n_real) < 0.75
    # Unique phone numbers by construction: an affine bijection of the person number modulo 8e6.
    unique7 = (np.arange(n_real, dtype=np.int64) * 7919 + 104_729) % 8_000_000
    cc = seeds.countries["calling_code"].to_numpy()[country].astype(np.int16)
    area = rng.choice(np.array([212, 213, 303, 312, 404, 415, 512, 617, 646, 206, 416, 604, 305, 702]), n_real)
    nanp = area * 10_000_000 + 2_000_000 + unique7
    intl = 200_000_000 + unique7 * 10 + rng.integers(0, 10, n_real)
    phone_nn = np.where(has_phone, np.where(cc == 1, nanp, intl), 0).astype(np.int64)

    fit, engagement, score = _fit_and_engagement(rng, seeds, accounts, account, level, country)
    t_first = _local_times(rng, cal, offset)
    return People(
        n_real=n_real,
        account=account,
        first=first,
        last=last,
        level=level.astype(np.int8),
        title=title,
        country=country,
        state=state,
        offset=offset,
        email_kind=email_kind,
        phone_nn=phone_nn,
        phone_cc=cc,
        spam_kind=np.full(n_real, -1, dtype=np.int8),
        t_first=t_first,
        fit=fit,
        engagement=engagement,
        score=score,
        p_convert=np.zeros(n_real),
        p_win=np.zeros(n_real),
        propensity=np.zeros(n_real),
    )


def _fit_and_engagement(
    rng: np.random.Generator,
    seeds: Seeds,
    accounts: Accounts,
    account: np.ndarray,
    level: np.ndarray,
    country: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The latent values behind conversion, built from what the warehouse can see.

    fit: company size 50-500, ICP industry, Director+ seniority, supported region (what scoring rules
    reward). engagement: a person's appetite, which drives demo requests, pricing visits, webinar
    attendance and replies before any deal. score = the log-odds driver of conversion and winning.
    """
    n = len(account)
    employees = accounts.employees[account]
    size_fit = (employees >= 50) & (employees <= 500)
    icp = np.isin(np.array(INDUSTRIES)[accounts.industry[account]], ICP_INDUSTRIES)
    senior = level <= 2
    codes = seeds.countries["code"].to_numpy()[country]
    region_fit = np.array([REGION_FIT[r] for r in seeds.countries["region"]])[country]
    region_fit = np.where(np.isin(codes, list(COUNTRY_FIT)), [COUNTRY_FIT.get(c, 0.0) for c in codes], region_fit)
    student = level == SENIORITY.index("other")
    fit = 0.12 + 0.30 * size_fit + 0.18 * icp + 0.22 * senior + 0.18 * region_fit - 0.15 * student
    fit = np.clip(fit + rng.normal(0, 0.05, n), 0, 1)
    engagement = rng.normal(0, 1, n) + 1.2 * (fit - 0.5)
    score = 4.0 * (fit - 0.5) + engagement
    return fit, engagement, score


# --- lead records: who arrives how often, under which address ----------------------------------------------

EMAIL_BASE, EMAIL_CASE, EMAIL_PLUS, EMAIL_GMAIL, EMAIL_ALT, EMAIL_FUZZY, EMAIL_NONE, EMAIL_INVALID = range(8)
CORPORATE, FREE_MAIL, DISPOSABLE, BOT, FAKE = range(5)
# How each kind of duplicate writes the person's address.
EMAIL_BY_DUP = np.array([EMAIL_CASE, EMAIL_PLUS, EMAIL_GMAIL, EMAIL_BASE, EMAIL_ALT, EMAIL_FUZZY, EMAIL_NONE])
DUP_WEIGHTS = (0.20, 0.15, 0.6, 0.20, 0.12, 0.18, 0.12)  # gmail_dots only for gmail users, fuzzy for corporate


@dataclass
class Identities:
    """Email identities: every person's own address, plus second addresses used by some duplicates.

    Kept as codes (name codes, local-part pattern, digits, domain code) so DuckDB can build the text;
    made unique after normalisation (lower case, gmail dots, googlemail) so two distinct people never
    share an address the warehouse would merge.
    """

    first: np.ndarray
    last: np.ndarray
    pattern: np.ndarray  # 0 first.last 1 flast 2 first 3 firstl 4 first_last 5 f.last 6 firstlast
    digits: np.ndarray  # -1 none
    domain: np.ndarray  # code in the domain table
    kind: np.ndarray  # CORPORATE ... FAKE


@dataclass
class NameTables:
    """First and last name tables: the vocabulary, each name's variants, fake names, bot gibberish."""

    first: np.ndarray
    last: np.ndarray
    first_variant_start: np.ndarray  # per vocabulary name
    first_variant_count: np.ndarray
    last_variant_start: np.ndarray
    last_variant_count: np.ndarray
    n_first: int  # vocabulary sizes: codes below these are real first / last names
    n_last: int
    fake_first: int  # code of FAKE_IDENTITIES[0]'s first name
    fake_last: int
    bot_first: int  # code of the first bot's first name
    bot_last: int


def _name_tables(rng: np.random.Generator, names: NameBook, n_bot: int) -> NameTables:
    fv_count = np.array([len(v) for v in names.first_variants])
    lv_count = np.array([len(v) for v in names.last_variants])
    first = list(names.first) + [v for g in names.first_variants for v in g] + [f[0] for f in FAKE_IDENTITIES]
    last = list(names.last) + [v for g in names.last_variants for v in g] + [f[1] for f in FAKE_IDENTITIES]
    return NameTables(
        first=np.concatenate([np.array(first, dtype=object), _gibberish(rng, n_bot, 4, 7)]),
        last=np.concatenate([np.array(last, dtype=object), _gibberish(rng, n_bot, 5, 8)]),
        first_variant_start=len(names.first) + np.cumsum(fv_count) - fv_count,
        first_variant_count=fv_count,
        last_variant_start=len(names.last) + np.cumsum(lv_count) - lv_count,
        last_variant_count=lv_count,
        n_first=len(names.first),
        n_last=len(names.last),
        fake_first=len(names.first) + int(fv_count.sum()),
        fake_last=len(names.last) + int(lv_count.sum()),
        bot_first=len(first),
        bot_last=len(last),
    )


@dataclass
class DomainTable:
    """Every email domain: account domains, free mail, disposable, fake, then one per bot."""

    names: np.ndarray
    free: int  # code of the first free-mail domain
    disposable: int
    fake: int
    bot: int
    free_weights: np.ndarray  # how popular each free-mail domain is

    def code(self, domain: str) -> int:
        return int(np.flatnonzero(self.names == domain)[0])


def _domain_table(rng: np.random.Generator, seeds: Seeds, accounts: Accounts, n_bot: int) -> DomainTable:
    free = np.array(seeds.free_domains, dtype=object)
    weights = np.array([FREE_DOMAIN_WEIGHTS.get(d, FREE_DOMAIN_WEIGHT_DEFAULT) for d in free])
    weights[free == "googlemail.com"] = 0  # googlemail appears only as a variant of a gmail address
    disposable = np.array(seeds.disposable_domains, dtype=object)
    fake = np.array(sorted({f[3] for f in FAKE_IDENTITIES}), dtype=object)
    tld = np.array(BOT_TLDS, dtype=object)[rng.integers(0, len(BOT_TLDS), n_bot)]
    bot = np.strings.lower(_gibberish(rng, n_bot, 5, 9).astype(str)).astype(object) + tld
    n_acc = accounts.n
    return DomainTable(
        names=np.concatenate([accounts.domain, free, disposable, fake, bot]),
        free=n_acc,
        disposable=n_acc + len(free),
        fake=n_acc + len(free) + len(disposable),
        bot=n_acc + len(free) + len(disposable) + len(fake),
        free_weights=weights,
    )


def _own_addresses(
    rng: np.random.Generator, people: People, dom: DomainTable
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each real person's domain, local-part pattern and digits: corporate jsmith@, free-mail john.smith84@."""
    n = people.n
    is_free = people.email_kind == FREE_MAIL
    free_pick = dom.free + _pick(rng, dom.free_weights, n)
    domain = np.where(is_free, free_pick, people.account).astype(np.int32)
    corporate_pattern = _pick(rng, (55, 20, 8, 5, 7, 5), n)
    free_pattern = np.array([0, 6, 4, 0])[_pick(rng, (45, 25, 10, 20), n)]
    pattern = np.where(is_free, free_pattern, corporate_pattern).astype(np.int8)
    digits = np.where(is_free & (rng.random(n) < 0.55), rng.integers(1, 100, n), -1).astype(np.int32)
    return domain, pattern, digits


def _duplicates(
    rng: np.random.Generator,
    cal: Calendar,
    people: People,
    tables: NameTables,
    person_domain: np.ndarray,
    dom: DomainTable,
) -> dict[str, np.ndarray]:
    """The lead records of real people: one each, more for ~15%, each extra one a kind of duplicate
    with the presentation codes that make it one (address variant, other system, name variant)."""
    n_people = people.n
    extra = np.where(rng.random(n_people) < DUP_PERSON_SHARE, np.minimum(rng.geometric(0.7, n_people), 4), 0)
    person, rank = _expand(1 + extra)
    n = len(person)
    first_rec = np.cumsum(1 + extra) - (1 + extra)
    dup_rows = np.flatnonzero(rank > 0)
    dp = person[dup_rows]
    fv_count, lv_count = tables.first_variant_count, tables.last_variant_count
    weights = np.tile(np.array(DUP_WEIGHTS), (len(dup_rows), 1))
    weights[:, DUP_KINDS.index("gmail_dots")] *= person_domain[dp] == dom.code("gmail.com")
    has_variant = (fv_count[people.first[dp]] > 0) | (lv_count[people.last[dp]] > 0)
    weights[:, DUP_KINDS.index("domain_fuzzy_name")] *= (people.email_kind[dp] == CORPORATE) & has_variant
    weights[:, DUP_KINDS.index("no_email_name_phone")] *= people.phone_nn[dp] > 0
    cum = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    kind = (rng.random(len(dup_rows))[:, None] >= cum).sum(axis=1).clip(0, len(DUP_KINDS) - 1)
    dup = np.full(n, -1, dtype=np.int8)
    dup[dup_rows] = kind

    system = _pick(rng, SYSTEM_MIX, n).astype(np.int8)
    cross = np.isin(kind, [DUP_KINDS.index("other_source_system"), DUP_KINDS.index("same_external_id")])
    other_system = (system[first_rec[dp]] + rng.integers(1, 4, len(dp))) % 4
    system[dup_rows[cross]] = other_system[cross]

    created = people.t_first[person].copy()
    gap = (rng.exponential(40 * DAY, n) * np.sqrt(np.maximum(rank, 1))).astype(np.int64) + 60
    late = created + gap >= cal.end
    gap = np.where(late, (rng.random(n) * (cal.end - 60 - created)).astype(np.int64) + 1, gap)
    created = np.where(rank > 0, created + gap, created)

    email_mode = np.zeros(n, dtype=np.int8)
    email_mode[dup_rows] = EMAIL_BY_DUP[kind]
    case_style = rng.integers(0, 4, n).astype(np.int8)  # Title.Case, UPPER, First letter, as is
    ws_lead = rng.integers(0, 3, n).astype(np.int8)
    ws_trail = rng.integers(0, 3, n).astype(np.int8)
    ws_trail[(case_style == 3) & (ws_lead == 0) & (ws_trail == 0)] = 1

    rec_first = people.first[person].astype(np.int32)
    rec_last = people.last[person].astype(np.int32)
    fuzzy = dup == DUP_KINDS.index("domain_fuzzy_name")
    fp, lp = rec_first[fuzzy], rec_last[fuzzy]
    u = rng.random(len(fp))
    use_first = (fv_count[fp] > 0) & ((u < 0.8) | (lv_count[lp] == 0))
    use_last = (lv_count[lp] > 0) & (~use_first | (rng.random(len(fp)) < 0.35))
    first_variant = tables.first_variant_start[fp] + rng.integers(0, 99, len(fp)) % np.maximum(fv_count[fp], 1)
    last_variant = tables.last_variant_start[lp] + rng.integers(0, 99, len(lp)) % np.maximum(lv_count[lp], 1)
    rec_first[fuzzy] = np.where(use_first, first_variant, fp)
    rec_last[fuzzy] = np.where(use_last, last_variant, lp)
    return {
        "person": person.astype(np.int32), "rank": rank.astype(np.int8), "dup": dup, "system": system,
        "created": created.astype(np.int64), "ident": person.astype(np.int32), "email_mode": email_mode,
        "case_style": case_style, "ws_lead": ws_lead, "ws_trail": ws_trail,
        "plus_tag": rng.integers(0, len(PLUS_TAGS), n).astype(np.int8),
        "dot_mode": _pick(rng, (0.4, 0.35, 0.25), n).astype(np.int8),  # no dots, one dot, j.o.h.n
        "dot_pos": rng.integers(0, 1000, n).astype(np.int16),
        "googlemail": rng.random(n) < 0.5,
        "first": rec_first, "last": rec_last,
        "fz_pattern": np.array([0, 6, 4], dtype=np.int8)[rng.integers(0, 3, n)],
        "bot_ip": np.full(n, -1, dtype=np.int64),
    }  # fmt: skip


def _spam(
    rng: np.random.Generator,
    seeds: Seeds,
    cal: Calendar,
    tables: NameTables,
    dom: DomainTable,
    burst_sizes: np.ndarray,
    n_disp: int,
    n_fake: int,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Spam records, one person each: bot bursts (5-30 submissions from one IP seconds apart, gibberish
    names, random addresses), disposable addresses, fake ones. Returns person, identity and record fields."""
    n_bot = int(burst_sizes.sum())
    n = n_bot + n_disp + n_fake
    burst = np.repeat(np.arange(len(burst_sizes)), burst_sizes)
    burst_start = cal.start + rng.integers(0, cal.end - cal.start - HOUR, len(burst_sizes))
    step = rng.integers(1, 12, n_bot)
    in_burst = _group_cumsum(step, burst_sizes) - step[np.cumsum(burst_sizes) - burst_sizes][burst]
    prefix = np.array(BOT_IP_PREFIXES)[rng.integers(0, len(BOT_IP_PREFIXES), len(burst_sizes))]
    burst_ip = prefix + rng.integers(1, 1 << 16, len(burst_sizes))
    kind = np.concatenate([np.zeros(n_bot), np.ones(n_disp), np.full(n_fake, 2)]).astype(np.int8)
    country = np.where(rng.random(n) < 0.6, _pick(rng, seeds.countries["weight"].to_numpy(dtype=float), n), -1)
    fake = _pick(rng, FAKE_WEIGHTS, n_fake)
    first = np.concatenate(
        [tables.bot_first + np.arange(n_bot), rng.integers(0, tables.n_first, n_disp), tables.fake_first + fake]
    )
    last = np.concatenate(
        [tables.bot_last + np.arange(n_bot), rng.integers(0, tables.n_last, n_disp), tables.fake_last + fake]
    )
    created = np.concatenate([burst_start[burst] + in_burst, _local_times(rng, cal, np.zeros(n_disp + n_fake))])
    email_kind = np.concatenate([np.full(n_bot, BOT), np.full(n_disp, DISPOSABLE), np.full(n_fake, FAKE)])
    zeros = np.zeros(n)
    person = {
        "account": np.full(n, -1), "first": first, "last": last, "level": np.full(n, -1), "title": np.full(n, -1),
        "country": country, "state": np.full(n, -1), "offset": zeros, "email_kind": email_kind,
        "phone_nn": np.where(kind == 1, 200_000_000 + rng.integers(0, 99_999_999, n), 0),
        "phone_cc": np.where(country >= 0, seeds.countries["calling_code"].to_numpy()[country], 1),
        "spam_kind": kind, "t_first": created, "fit": zeros, "engagement": zeros, "score": np.full(n, -10.0),
        "p_convert": zeros, "p_win": zeros, "propensity": zeros,
    }  # fmt: skip
    fake_domain = np.array([dom.code(f[3]) for f in FAKE_IDENTITIES])
    bot_domain = np.where(
        rng.random(n_bot) < 0.6, dom.bot + np.arange(n_bot), dom.free + _pick(rng, dom.free_weights, n_bot)
    )
    identity = {
        "first": first, "last": last,
        "pattern": np.concatenate([np.full(n_bot, 6), np.where(rng.random(n_disp) < 0.5, 0, 6),
                                   np.array([f[2] for f in FAKE_IDENTITIES])[fake]]),
        "digits": np.concatenate([np.where(rng.random(n_bot) < 0.5, rng.integers(0, 1000, n_bot), -1),
                                  rng.integers(10, 10_000, n_disp), np.full(n_fake, -1)]),
        "domain": np.concatenate([bot_domain, dom.disposable + rng.integers(0, len(seeds.disposable_domains), n_disp),
                                  fake_domain[fake]]),
        "kind": email_kind,
    }  # fmt: skip
    records = {
        "dup": np.full(n, -1), "created": created, "first": first, "last": last,
        "system": np.where(kind == 0, 2, np.where(rng.random(n) < 0.5, 0, 2)),
        "bot_ip": np.concatenate([burst_ip[burst], np.full(n_disp + n_fake, -1)]),
    }  # fmt: skip
    return person, identity, records


def _stack(first: dict[str, np.ndarray], second: dict[str, np.ndarray], n_second: int) -> dict[str, np.ndarray]:
    """Concatenate two column sets; columns the second lacks are zero there."""
    return {
        k: np.concatenate([v, second[k].astype(v.dtype) if k in second else np.zeros(n_second, dtype=v.dtype)])
        for k, v in first.items()
    }


@dataclass
class Population:
    accounts: Accounts
    people: People
    identities: Identities
    first_names: np.ndarray
    last_names: np.ndarray
    domains: np.ndarray
    records: dict[str, np.ndarray]  # one entry per lead record, sorted by created time
    bursts: int


def _concat_people(real: People, spam: dict[str, np.ndarray]) -> People:
    values = {}
    for f in fields(People):
        if f.name != "n_real":
            base = getattr(real, f.name)
            values[f.name] = np.concatenate([base, spam[f.name].astype(base.dtype)])
    return People(n_real=real.n_real, **values)


def build_population(
    rng: np.random.Generator, seeds: Seeds, cal: Calendar, names: NameBook, n_records: int
) -> Population:
    """Accounts, people (real then spam), their email identities and their lead records."""
    n_disp = round(DISPOSABLE_SHARE * n_records)
    n_fake = max(3, round(FAKE_SHARE * n_records))
    target_bots = round(BOT_SHARE * n_records)
    burst_sizes = rng.integers(5, 31, size=max(1, target_bots // 5 + 1))
    burst_sizes = burst_sizes[: np.searchsorted(np.cumsum(burst_sizes), target_bots) + 1]
    n_bot = int(burst_sizes.sum())
    n_real_records = max(10, n_records - n_bot - n_disp - n_fake)
    mean_extra = float(np.minimum(rng.geometric(0.7, 100_000), 4).mean())
    n_people = round(n_real_records / (1 + DUP_PERSON_SHARE * mean_extra))

    accounts = make_accounts(rng, seeds, max(20, n_people // 5))
    people = make_people(rng, seeds, cal, accounts, names, n_people)
    tables = _name_tables(rng, names, n_bot)
    dom = _domain_table(rng, seeds, accounts, n_bot)
    own_domain, pattern, digits = _own_addresses(rng, people, dom)
    real = _duplicates(rng, cal, people, tables, own_domain, dom)
    spam_person, spam_identity, spam_records = _spam(rng, seeds, cal, tables, dom, burst_sizes, n_disp, n_fake)
    n_spam = len(spam_records["created"])
    people = _concat_people(people, spam_person)

    # same_external_id duplicates use a second, personal address: identities after the persons' own.
    alt = np.flatnonzero(real["email_mode"] == EMAIL_ALT)
    alt_person = real["person"][alt]
    choices = np.array([dom.code(d) for d in ALT_FREE_DOMAINS])
    pick = rng.integers(0, len(choices), len(alt))
    pick = np.where(choices[pick] == own_domain[alt_person], (pick + 1) % len(choices), pick)
    real["ident"][alt] = people.n + np.arange(len(alt))
    identities = Identities(
        first=np.concatenate([people.first[:n_people], spam_identity["first"], people.first[alt_person]]),
        last=np.concatenate([people.last[:n_people], spam_identity["last"], people.last[alt_person]]),
        pattern=np.concatenate([pattern, spam_identity["pattern"], np.where(rng.random(len(alt)) < 0.5, 0, 6)]),
        digits=np.concatenate([digits, spam_identity["digits"], rng.integers(1, 100, len(alt))]),
        domain=np.concatenate([own_domain, spam_identity["domain"], choices[pick]]),
        kind=np.concatenate([people.email_kind[:n_people], spam_identity["kind"], np.full(len(alt), FREE_MAIL)]),
    )
    for f in fields(Identities):
        setattr(identities, f.name, getattr(identities, f.name).astype(np.int32))

    spam_ids = n_people + np.arange(n_spam)
    spam_records |= {"person": spam_ids, "ident": spam_ids}
    records = _stack(real, spam_records, n_spam)
    records["spam_kind"] = people.spam_kind[records["person"]]
    order = np.argsort(records["created"], kind="stable")
    records = {k: v[order] for k, v in records.items()}
    return Population(accounts, people, identities, tables.first, tables.last, dom.names, records, len(burst_sizes))


# --- reps --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepBook:
    """Reps from reps.csv with what the generator needs: working hours, active window, speed."""

    ids: np.ndarray
    role: np.ndarray
    team: np.ndarray
    region: np.ndarray  # NA / EMEA / APAC from the time zone
    tz: tuple[str, ...]
    work_days: tuple[frozenset[int], ...]  # ISO weekday numbers, Monday = 1
    work_start: np.ndarray  # seconds after local midnight
    work_end: np.ndarray
    active_from: np.ndarray  # epoch seconds
    active_to: np.ndarray  # epoch seconds, exclusive
    speed_minutes: np.ndarray  # SDRs: median minutes to first touch
    substitute: np.ndarray  # code of an always-active teammate

    def code(self, rep_id: str) -> int:
        return int(np.flatnonzero(self.ids == rep_id)[0])


def _clock(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * HOUR + int(minutes) * 60


def make_rep_book(seeds: Seeds) -> RepBook:
    reps = seeds.reps
    n = len(reps)
    tz = tuple(str(t) for t in reps["timezone"])
    region = np.array(["NA" if t.startswith("America/") else "EMEA" if t.startswith(("Europe/", "Africa/")) else "APAC"
                       for t in tz], dtype=object)  # fmt: skip
    active_from = np.array([_epoch(datetime.date.fromisoformat(d)) if d else 0 for d in reps["active_from"]])
    active_to = np.array([_epoch(datetime.date.fromisoformat(d)) + DAY if d else 2**62 for d in reps["active_to"]])
    role = reps["role"].to_numpy(dtype=object)
    team = reps["team"].to_numpy(dtype=object)
    speed = np.zeros(n)
    sdr = np.flatnonzero(role == "sdr")
    speed[sdr] = np.array(SDR_SPEED_MINUTES)[np.arange(len(sdr)) % len(SDR_SPEED_MINUTES)]
    substitute = np.arange(n)
    for i in range(n):
        mates = np.flatnonzero((team == team[i]) & (role == role[i]) & (active_to == 2**62))
        if len(mates):
            substitute[i] = mates[0]
    return RepBook(
        ids=reps["rep_id"].to_numpy(dtype=object),
        role=role,
        team=team,
        region=region,
        tz=tz,
        work_days=tuple(frozenset(int(d) for d in str(w).split("|") if d) for w in reps["work_days"]),
        work_start=np.array([_clock(t) for t in reps["work_start"]]),
        work_end=np.array([_clock(t) for t in reps["work_end"]]),
        active_from=active_from,
        active_to=active_to,
        speed_minutes=speed,
        substitute=substitute,
    )


def _active_rep(reps: RepBook, rep: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The rep who really acts at t: a rep who has left hands the lead to a teammate."""
    gone = (rep >= 0) & ((t >= reps.active_to[np.maximum(rep, 0)]) | (t < reps.active_from[np.maximum(rep, 0)]))
    return np.where(gone, reps.substitute[np.maximum(rep, 0)], rep)


def _working_hours(reps: RepBook, rep: np.ndarray, t: np.ndarray, jitter: np.ndarray) -> np.ndarray:
    """Move instants outside the rep's working hours to the start of their next working window.

    Vectorised per rep (a handful of reps, millions of instants): local time through pandas' time
    zone database, so daylight saving time is right.
    """
    out = t.copy()
    for code in np.unique(rep[rep >= 0]):
        mask = rep == code
        local = pd.DatetimeIndex(t[mask].astype("datetime64[s]")).tz_localize("UTC").tz_convert(reps.tz[code])
        naive = local.tz_localize(None).as_unit("s").asi8
        day = naive // DAY * DAY
        sod = naive - day
        workday = np.isin((day // DAY + 3) % 7 + 1, list(reps.work_days[code]))
        inside = workday & (sod >= reps.work_start[code]) & (sod < reps.work_end[code])
        target = np.where(workday & (sod < reps.work_start[code]), day, day + DAY)
        for _ in range(7):
            off = ~np.isin((target // DAY + 3) % 7 + 1, list(reps.work_days[code]))
            target = np.where(off, target + DAY, target)
        moved_local = target + reps.work_start[code] + jitter[mask]
        moved = (
            pd.DatetimeIndex(moved_local.astype("datetime64[s]"))
            .tz_localize(reps.tz[code], ambiguous="NaT", nonexistent="shift_forward")
            .tz_convert("UTC")
            .as_unit("s")
            .asi8
        )
        out[mask] = np.where(inside, t[mask], moved)
    return out


def assign_owners(
    rng: np.random.Generator, seeds: Seeds, reps: RepBook, country: np.ndarray, created: np.ndarray
) -> np.ndarray:
    """The SDR who works each record: the team of the lead's region, any SDR active that day."""
    region = np.where(country >= 0, seeds.countries["region"].to_numpy(dtype=object)[np.maximum(country, 0)], "NA")
    owner = np.full(len(created), -1, dtype=np.int16)
    u = rng.random(len(created))
    for key, team_name in REGION_TEAM.items():
        mask = region == key
        members = np.flatnonzero((reps.role == "sdr") & (reps.team == team_name))
        if len(members) == 0:
            members = np.flatnonzero(reps.role == "sdr")
        t = created[mask][:, None]
        active = (t >= reps.active_from[members][None, :]) & (t < reps.active_to[members][None, :])
        active[active.sum(axis=1) == 0] = True
        k = np.floor(u[mask] * active.sum(axis=1)).astype(int)
        pos = (np.cumsum(active, axis=1) <= k[:, None]).sum(axis=1)
        owner[mask] = members[pos]
    return owner


def assign_aes(seeds: Seeds, reps: RepBook, country: np.ndarray, employees: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The AE who owns a deal: enterprise or commercial team by company size, then by region."""
    region = np.where(country >= 0, seeds.countries["region"].to_numpy(dtype=object)[np.maximum(country, 0)], "NA")
    region = np.where(region == "LATAM", "NA", region)
    out = np.full(len(country), -1, dtype=np.int16)
    for team_name, big in (("ae_enterprise", True), ("ae_commercial", False)):
        for reg in ("NA", "EMEA", "APAC"):
            mask = ((employees >= 1000) == big) & (region == reg)
            members = np.flatnonzero((reps.role == "ae") & (reps.team == team_name) & (reps.region == reg))
            if len(members) == 0:
                members = np.flatnonzero((reps.role == "ae") & (reps.team == team_name))
            if len(members) == 0:
                members = np.flatnonzero(reps.role == "ae")
            out[mask] = members[np.floor(u[mask] * len(members)).astype(int)]
    return out


# --- conversion and deals ------------------------------------------------------------------------------------


@dataclass
class Outcomes:
    """Per person: whether and when a deal was created, and whether it is won if it closes."""

    converted: np.ndarray
    deal_created: np.ndarray  # epoch seconds, 0 when not converted
    wins: np.ndarray


def make_outcomes(rng: np.random.Generator, people: People, cal: Calendar, n_records: int) -> Outcomes:
    """Draw conversions and wins from the latent score, calibrated to the target deal and win rates.

    true_propensity = P(deal) * P(win | deal): what a perfect scoring model would estimate. Only deals
    created before the last export exist, so the conversion intercept is solved over those persons.
    """
    real = people.spam_kind < 0
    n = people.n
    delay = (3 * DAY + rng.lognormal(np.log(18 * DAY), 0.7, n)).astype(np.int64)
    deal_created = people.t_first + delay
    observable = real & (deal_created < cal.end - HOUR)
    target = DEAL_SHARE * n_records
    score = people.score
    c0 = _solve(lambda c: float(_sigmoid(c + score[observable]).sum() - target))
    p_convert = np.where(real, _sigmoid(c0 + score), 0.0)
    weight = p_convert * observable
    w0 = _solve(lambda c: float((weight * _sigmoid(c + WIN_SLOPE * score)).sum() / max(weight.sum(), 1e-9) - WIN_RATE))
    p_win = np.where(real, _sigmoid(w0 + WIN_SLOPE * score), 0.0)
    people.p_convert, people.p_win, people.propensity = p_convert, p_win, p_convert * p_win
    converted = observable & (rng.random(n) < p_convert)
    wins = rng.random(n) < p_win
    return Outcomes(converted, np.where(converted, deal_created, 0), wins)


# --- spellings ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Books:
    """Every raw-spelling vocabulary, built once from the seeds."""

    titles: Spellings
    countries: Spellings
    industries: Spellings
    sources: Spellings
    regions: Spellings
    activities: Spellings
    stages: Spellings  # key = stage * 3 + style (0 Salesforce labels, 1 HubSpot internal names, 2 any)


def make_books(seeds: Seeds) -> Books:
    countries = []
    for row in seeds.countries.itertuples():
        group = [(row.code, 0.28), (row.code.lower(), 0.02), (row.iso3.upper(), 0.10), (row.iso3, 0.02),
                 (row.name, 0.28), (row.name.lower(), 0.06), (row.name.upper(), 0.03)]  # fmt: skip
        others = [a for a in row.aliases if a not in (row.code.lower(), row.iso3, row.name.lower())]
        for alias in others:
            group += [(alias, 0.105 / len(others)), (_title(alias), 0.105 / len(others))]
        countries.append(group)
    stage_groups = []
    sfdc = {"Qualified": "qualification", "Proposal": "proposal/quote", "Negotiation": "negotiation/review",
            "Won": "closed won", "Lost": "closed lost"}  # fmt: skip
    hubspot = {"Qualified": "appointmentscheduled", "Proposal": "presentationscheduled",
               "Negotiation": "contractsent", "Won": "closedwon", "Lost": "closedlost"}  # fmt: skip
    for stage in DEAL_STAGES:
        spellings = seeds.stage_spellings[stage]
        stage_groups += [[(_title(sfdc[stage]), 1.0)], [(hubspot[stage], 1.0)], _case_variants(spellings, 1.0)]
    return Books(
        titles=Spellings.build([[(t, 0.9), (t.lower(), 0.06), (t.upper(), 0.04)] for t in FLAT_TITLES]),
        countries=Spellings.build(countries),
        industries=Spellings.build([_case_variants(seeds.industry_spellings[i]) for i in INDUSTRIES]),
        sources=Spellings.build([_case_variants(seeds.source_spellings[c]) for c in CHANNELS]),
        regions=Spellings.build([[(s[1], 0.5), (s[2], 0.5)] for s in STATES]),
        activities=Spellings.build([_case_variants(seeds.activity_spellings[k]) for k in ACT_KINDS]),
        stages=Spellings.build(stage_groups),
    )


TS_STYLE_MIX = {  # 0 ...Z, 1 'YYYY-MM-DD hh:mm:ss+hh:mm', 2 'YYYY-MM-DDThh:mm:ss+hh:mm', 3/4 no offset (UTC)
    0: (0.70, 0.10, 0.10, 0.05, 0.05),  # hubspot
    1: (0.20, 0.15, 0.50, 0.10, 0.05),  # salesforce
    2: (0.20, 0.15, 0.15, 0.25, 0.25),  # web_form
    3: (0.10, 0.45, 0.10, 0.25, 0.10),  # import
}


def _ts_styles(rng: np.random.Generator, system: np.ndarray) -> np.ndarray:
    cum = np.cumsum(np.array([TS_STYLE_MIX[s] for s in range(4)]), axis=1)
    return (rng.random(len(system))[:, None] >= cum[system]).sum(axis=1).clip(0, 4).astype(np.int8)


# --- lead rows ------------------------------------------------------------------------------------------------


def _file_formats(counts: np.ndarray, entity: str) -> dict[int, str]:
    """Format of each non-empty period's file, rotating so every entity gets every format."""
    offset = ENTITIES.index(entity)
    kept = [int(p) for p in np.flatnonzero(counts)]
    return {p: FORMATS[(j + offset) % len(FORMATS)] for j, p in enumerate(kept)}


@dataclass
class LeadRows:
    rows: dict[str, np.ndarray]  # one entry per landing row (record versions)
    owner: np.ndarray  # per record: the SDR who works it
    email_ok: np.ndarray  # per record: a deliverable address was entered
    rejected: np.ndarray  # per record: the ingest rejects its only row
    formats: dict[int, str]


def _person_fields(rng: np.random.Generator, pop: Population, books: Books) -> dict[str, np.ndarray]:
    """Name, phone and job title as typed: a little case noise; a duplicate without an address shows
    the same full name and the same number in another format than the person's first record."""
    r, people = pop.records, pop.people
    person = r["person"]
    n = len(person)
    counts = np.bincount(person, minlength=people.n)
    name_case = _pick(rng, (0.93, 0.03, 0.02, 0.02), n).astype(np.int8)  # as is, lower, UPPER, trailing space
    first_rec = np.full(people.n, -1)
    first_rec[person[r["rank"] == 0]] = np.flatnonzero(r["rank"] == 0)
    n_fmt = np.where(people.phone_cc[person] == 1, 6, 4)
    phone_fmt = (rng.integers(0, 60, n) % n_fmt).astype(np.int8)
    no_email = np.flatnonzero(r["dup"] == DUP_KINDS.index("no_email_name_phone"))
    their_first = first_rec[person[no_email]]
    name_case[no_email] = name_case[their_first] = 0
    phone_fmt[no_email] = (
        phone_fmt[their_first] + 1 + rng.integers(0, 99, len(no_email)) % (n_fmt[no_email] - 1)
    ) % n_fmt[no_email]
    shown = (people.phone_nn[person] > 0) & (rng.random(n) < 0.85)
    shown[no_email] = shown[their_first] = True
    title = np.where(people.title[person] >= 0, books.titles.draw(rng, np.maximum(people.title[person], 0)), -1)
    title[rng.random(n) < 0.05] = -1
    return {
        "first": r["first"], "last": r["last"], "name_case": name_case,
        "first_blank": (r["spam_kind"] < 0) & (counts[person] == 1) & (rng.random(n) < 0.01),
        "phone_fmt": np.where(shown, phone_fmt, -1).astype(np.int8), "title": title.astype(np.int32),
    }  # fmt: skip


def _company_fields(rng: np.random.Generator, pop: Population, books: Books) -> dict[str, np.ndarray]:
    """Firmographics as entered: company name variants or blank, the domain rarely for free-mail users,
    industry in free text (some unmapped), employee counts sometimes rounded or blank, countries spelled
    every way the alias seed knows, sometimes padded with spaces, and a state for some."""
    r, people, accounts = pop.records, pop.people, pop.accounts
    person = r["person"]
    n = len(person)
    spam = r["spam_kind"] >= 0
    kind = people.email_kind[person]
    account = people.account[person]
    acc = np.maximum(account, 0)
    company_mode = _pick(rng, (0.65, 0.15, 0.06, 0.03, 0.11), n).astype(
        np.int8
    )  # as is, legal suffix, lower, UPPER, blank
    company_mode[(kind == FREE_MAIL) & (rng.random(n) < 0.05)] = 4
    company_mode[spam] = np.where(rng.random(spam.sum()) < 0.5, 4, 5 + (kind[spam] != BOT))  # gibberish, junk
    domain_mode = _pick(rng, (0.80, 0.03, 0.02, 0.15), n).astype(np.int8)  # as is, www., Capitalised, blank
    free = kind == FREE_MAIL
    domain_mode[free] = np.where(rng.random(free.sum()) < 0.12, 0, 3)
    domain_mode[spam] = 3
    industry = books.industries.draw(rng, accounts.industry[acc])
    u = rng.random(n)
    unmapped = (u >= 0.12) & (u < 0.12 + UNMAPPED_INDUSTRY_SHARE)
    industry = np.where(u < 0.12, -1, np.where(unmapped, -2 - rng.integers(0, len(UNMAPPED_INDUSTRIES), n), industry))
    industry[spam] = -1
    employees = accounts.employees[acc]
    magnitude = 10 ** np.maximum(np.floor(np.log10(np.maximum(employees, 1))) - 1, 0).astype(np.int64)
    employees = np.where(rng.random(n) < 0.15, np.round(employees / magnitude) * magnitude, employees).astype(np.int64)
    country, state = people.country[person], people.state[person]
    country_raw = np.where(
        (country >= 0) & (rng.random(n) >= 0.04), books.countries.draw(rng, np.maximum(country, 0)), -1
    )
    region_raw = np.where((state >= 0) & (rng.random(n) < 0.6), books.regions.draw(rng, np.maximum(state, 0)), -1)
    return {
        "account": account, "company_mode": company_mode, "domain_mode": domain_mode,
        "junk_company": rng.integers(0, len(JUNK_COMPANIES), n).astype(np.int8), "industry": industry,
        "employees": np.where((rng.random(n) < 0.15) | spam, -1, employees),
        "revenue": np.where((rng.random(n) < 0.35) & ~spam, accounts.revenue_cents[acc], -1),
        "country_raw": country_raw, "country_pad": rng.random(n) < 0.05, "region_raw": region_raw,
    }  # fmt: skip


def _source_fields(rng: np.random.Generator, pop: Population, books: Books) -> dict[str, np.ndarray]:
    """Lead source by system (webinars and ads in HubSpot, outbound and events in Salesforce, lists in
    imports), with the campaign's UTM fields and landing page where the channel has them."""
    r = pop.records
    system = r["system"]
    n = len(system)
    channel = np.zeros(n, dtype=np.int16)
    for s, name in enumerate(SOURCE_SYSTEMS):
        m = system == s
        channel[m] = _pick(rng, CHANNEL_MIX[name], m.sum())
    bot = r["spam_kind"] == SPAM_KINDS.index("bot_burst")
    channel[bot] = CHANNELS.index("Direct")
    source_raw = books.sources.draw(rng, channel)
    source_raw[(rng.random(n) < 0.03) | bot] = -1
    campaign_channel = np.array([CHANNELS.index(c[0]) for c in CAMPAIGNS])
    campaign = np.full(n, -1, dtype=np.int16)
    for c in range(len(CHANNELS)):
        options = np.flatnonzero(campaign_channel == c)
        m = channel == c
        if len(options):
            campaign[m] = options[rng.integers(0, len(options), m.sum())]
    utm_shown = (campaign >= 0) & (rng.random(n) < 0.85)
    not_web = [CHANNELS.index("Outbound"), CHANNELS.index("List Import")]
    web = np.isin(system, [SOURCE_SYSTEMS.index("hubspot"), SOURCE_SYSTEMS.index("web_form")]) & ~np.isin(
        channel, not_web
    )
    landing = np.where(campaign >= 0, -2, np.array(GENERAL_PAGES)[rng.integers(0, len(GENERAL_PAGES), n)])
    return {
        "channel": channel, "source_raw": source_raw, "campaign": np.where(utm_shown, campaign, -1).astype(np.int16),
        "landing_campaign": campaign, "landing": np.where(web & (rng.random(n) < 0.9), landing, -1).astype(np.int16),
        "product": np.where(rng.random(n) < 0.55, rng.integers(0, len(PRODUCTS), n), -1).astype(np.int8),
    }  # fmt: skip


def _crm_fields(rng: np.random.Generator, cal: Calendar, pop: Population, owner: np.ndarray) -> dict[str, np.ndarray]:
    """What the systems add: ids, opt-out in every boolean spelling, IP (office IPs shared by colleagues,
    one IP per bot burst), owner for some, external id, persona and the CRM's own score, timestamps."""
    r, people, accounts = pop.records, pop.people, pop.accounts
    person, system = r["person"], r["system"]
    n = len(person)
    spam = r["spam_kind"] >= 0
    ordinal = np.zeros(n, dtype=np.int64)
    for s in range(len(SOURCE_SYSTEMS)):
        ordinal[system == s] = np.arange((system == s).sum())
    acc = np.maximum(people.account[person], 0)
    ip = np.where(rng.random(n) < 0.2, accounts.office_ip[acc], _ips(rng, n))
    ip = np.where((rng.random(n) < np.array([0.7, 0.3, 0.9, 0.0])[system]) & ~spam, ip, -1)
    ip = np.where(r["spam_kind"] == 0, r["bot_ip"], np.where(spam & (rng.random(n) < 0.8), _ips(rng, n), ip))
    owner_shown = (rng.random(n) < np.array([0.4, 0.7, 0.1, 0.3])[system]) & ~spam
    external = (rng.random(n) < 0.25) & ~spam
    same_ext = np.flatnonzero(r["dup"] == DUP_KINDS.index("same_external_id"))
    rank0 = np.full(people.n, -1)
    rank0[person[r["rank"] == 0]] = np.flatnonzero(r["rank"] == 0)
    external[same_ext] = external[rank0[person[same_ext]]] = True
    level = np.maximum(people.level[person], 0)
    persona = np.where(
        (rng.random(n) < np.where(system == 0, 0.5, 0.15)) & ~spam, np.array([0, 0, 3, 1, 2, 2])[level], -1
    )
    score = np.clip(np.round(50 + 12 * people.score[person] + rng.normal(0, 12, n)), 0, 100)
    score = np.where(rng.random(n) < 0.2, -1, np.where(spam, rng.integers(0, 30, n), score))
    updated = np.where(rng.random(n) < 0.3, r["created"] + rng.integers(1, HOUR, n), r["created"])
    return {
        "ordinal": ordinal, "system_blank": (system == SOURCE_SYSTEMS.index("import")) & (rng.random(n) < 0.4),
        "opt_out": rng.random(n) < 0.05, "opt_repr": rng.integers(0, 4, n).astype(np.int8),
        "opt_blank": rng.random(n) < 0.12, "ip": ip, "owner": np.where(owner_shown, owner, -1).astype(np.int16),
        "external": external, "persona": persona.astype(np.int8), "lead_score": score.astype(np.int16),
        "crm_status": (rng.random(n) < 0.3).astype(np.int8), "ts_style": _ts_styles(rng, system),
        "utc_offset": people.offset[person], "updated": np.minimum(updated, cal.end - 1),
        "updated_blank": rng.random(n) < 0.05,
    }  # fmt: skip


def _later_versions(
    rng: np.random.Generator,
    cal: Calendar,
    pop: Population,
    books: Books,
    records: dict[str, np.ndarray],
    chosen: np.ndarray,
    owner: np.ndarray,
    converted: np.ndarray,
) -> dict[str, np.ndarray]:
    """The same ids re-exported in a later period with what changed: promotion, CRM status, owner."""
    people = pop.people
    v = chosen
    later = {k: val[v].copy() for k, val in records.items()}
    next_start = cal.ends[cal.period(records["created"][v] + HOUR)]
    bound = np.maximum(np.minimum(cal.end, records["created"][v] + 120 * DAY), next_start + HOUR)
    level = people.level[records["person"][v]]
    promoted = (level > 0) & (rng.random(len(v)) < 0.5)
    new_level = np.maximum(level - 1, 0)
    new_title = TITLE_OFFSETS[new_level] + rng.integers(0, 100, len(v)) % np.array([len(t) for t in TITLES])[new_level]
    has_phone = people.phone_nn[records["person"][v]] > 0
    later |= {
        "version": np.ones(len(v), dtype=np.int8),
        "updated": next_start + (rng.random(len(v)) * (bound - next_start)).astype(np.int64),
        "updated_blank": np.zeros(len(v), dtype=bool),
        "ts_style": _ts_styles(rng, records["system"][v]),
        "title": np.where(promoted, books.titles.draw(rng, new_title), later["title"]).astype(np.int32),
        "crm_status": np.where(converted[v], 3, np.where(rng.random(len(v)) < 0.3, 4, 2)).astype(np.int8),
        "owner": owner[v].astype(np.int16),
        "phone_fmt": np.where(has_phone & (later["phone_fmt"] < 0), 0, later["phone_fmt"]).astype(np.int8),
    }
    return later


def make_lead_rows(
    rng: np.random.Generator,
    seeds: Seeds,
    cal: Calendar,
    pop: Population,
    books: Books,
    reps: RepBook,
    outcomes: Outcomes,
) -> LeadRows:
    """Every landing lead row as codes: records, their later versions, and the rows to be rejected."""
    r, people = pop.records, pop.people
    person = r["person"]
    n = len(person)
    real = r["spam_kind"] < 0
    single = real & (np.bincount(person, minlength=people.n)[person] == 1)
    converted = outcomes.converted[person] & (r["rank"] == 0)
    owner = assign_owners(rng, seeds, reps, people.country[person], r["created"])

    # Unusable addresses go to people with one record and no deal, so no other defect depends on them.
    email_mode = r["email_mode"].copy()
    pool = np.flatnonzero(single & (r["rank"] == 0) & ~converted)
    email_mode[rng.choice(pool, size=min(len(pool), round(INVALID_EMAIL_SHARE * n)), replace=False)] = EMAIL_INVALID
    email_ok = (
        (email_mode != EMAIL_NONE) & (email_mode != EMAIL_INVALID) & ~np.isin(people.email_kind[person], [BOT, FAKE])
    )
    records = {
        "rec": np.arange(n, dtype=np.int32), "version": np.zeros(n, dtype=np.int8), "person": person,
        "ident": r["ident"], "system": r["system"], "created": r["created"], "email_mode": email_mode,
        "invalid_kind": rng.integers(0, 5, n).astype(np.int8), "spam_kind": r["spam_kind"], "dup": r["dup"],
        "bad_date": np.zeros(n, dtype=np.int8), "blank_id": np.zeros(n, dtype=bool),
        **{k: r[k] for k in ("case_style", "ws_lead", "ws_trail", "plus_tag", "dot_mode", "dot_pos", "googlemail",
                             "fz_pattern")},
        **_person_fields(rng, pop, books), **_company_fields(rng, pop, books), **_source_fields(rng, pop, books),
        **_crm_fields(rng, cal, pop, owner),
    }  # fmt: skip

    can_version = real & (cal.period(r["created"] + HOUR) < cal.n - 1)  # first version: at most an hour later
    chosen = rng.choice(
        np.flatnonzero(can_version), size=min(can_version.sum(), round(NEW_VERSION_SHARE * n)), replace=False
    )
    later = _later_versions(rng, cal, pop, books, records, np.sort(chosen), owner, converted)
    rows = {k: np.concatenate([records[k], later[k]]) for k in records}
    rows["file"] = cal.period(np.where(rows["updated_blank"], rows["created"], rows["updated"]))
    formats = _file_formats(np.bincount(rows["file"], minlength=cal.n), "leads")

    # Rows the ingest must reject: records that are a person's only row, so nothing else depends on them.
    # Unparseable dates only fit in text files (Parquet timestamps are typed).
    versioned = np.zeros(n, dtype=bool)
    versioned[chosen] = True
    text_file = np.array([formats.get(p, "parquet") != "parquet" for p in range(cal.n)])
    candidates = single & ~converted & ~versioned & (email_mode != EMAIL_INVALID)
    pool = np.flatnonzero(candidates)
    blank = rng.choice(pool, size=min(len(pool), max(1, round(BLANK_ID_SHARE * n))), replace=False)
    rows["blank_id"][blank] = True
    rejected = np.zeros(n, dtype=bool)
    rejected[blank] = True
    pool = np.flatnonzero(candidates & ~rejected & text_file[rows["file"][:n]] & ~records["updated_blank"])
    bad = rng.choice(pool, size=min(len(pool), max(2, round(BAD_DATE_SHARE * n))), replace=False)
    rows["bad_date"][bad] = 1 + rng.integers(0, 6, len(bad))  # 1-3 created_at, 4-6 updated_at
    rejected[bad] = True
    return LeadRows(rows, owner, email_ok, rejected, formats)


# --- DuckDB: codes to text --------------------------------------------------------------------------------

MACROS = (
    "create macro ascii_name(s) as regexp_replace(lower(strip_accents(s)), '[^a-z]', '', 'g')",
    """create macro email_local(f, l, pattern, digits) as
        (case pattern when 0 then f || '.' || l when 1 then f[1] || l when 2 then f when 3 then f || l[1]
                      when 4 then f || '_' || l when 5 then f[1] || '.' || l else f || l end)
        || (case when digits >= 0 then digits::varchar else '' end)""",
    "create macro ts(x) as make_timestamp(x::bigint * 1000000)",
    """create macro fmt_ts(x, style, off) as case
        when x is null then null
        when style = 0 then strftime(ts(x), '%Y-%m-%dT%H:%M:%SZ')
        when style in (1, 2) then
            replace(strftime(ts(x + off::bigint * 60), '%Y-%m-%d %H:%M:%S'), ' ',
                    case when style = 1 then ' ' else 'T' end)
            || case when off < 0 then '-' else '+' end
            || lpad((abs(off) // 60)::varchar, 2, '0') || ':' || lpad((abs(off) % 60)::varchar, 2, '0')
        when style = 3 then strftime(ts(x), '%Y-%m-%d %H:%M:%S')
        else strftime(ts(x), '%Y-%m-%dT%H:%M:%S') end""",
    """create macro title_email(local, domain) as
        array_to_string(list_transform(string_split(local, '.'), lambda w: upper(w[1]) || w[2:]), '.')
        || '@' || upper(domain[1]) || domain[2:]""",
    """create macro ip_text(ip) as case when ip < 0 then null else
        (ip >> 24)::varchar || '.' || ((ip >> 16) & 255)::varchar || '.' || ((ip >> 8) & 255)::varchar
        || '.' || (ip & 255)::varchar end""",
    """create macro nanp_phone(s, fmt) as case fmt
        when 0 then '+1 (' || s[1:3] || ') ' || s[4:6] || '-' || s[7:10]
        when 1 then s[1:3] || '.' || s[4:6] || '.' || s[7:10]
        when 2 then '+1' || s
        when 3 then '(' || s[1:3] || ') ' || s[4:6] || '-' || s[7:10]
        when 4 then s[1:3] || '-' || s[4:6] || '-' || s[7:10]
        else '1-' || s[1:3] || '-' || s[4:6] || '-' || s[7:10] end""",
    """create macro intl_phone(cc, s, fmt) as case fmt
        when 0 then '+' || cc || ' ' || s[1:3] || ' ' || s[4:6] || ' ' || s[7:]
        when 1 then '+' || cc || s
        when 2 then '+' || cc || ' ' || s[1:2] || ' ' || s[3:]
        else '+' || cc || '-' || s[1:3] || '-' || s[4:6] || '-' || s[7:] end""",
    """create macro phone_text(cc, nn, fmt) as case
        when fmt < 0 or nn <= 0 then null
        when cc = 1 then nanp_phone(nn::varchar, fmt)
        else intl_phone(cc::varchar, nn::varchar, fmt) end""",
    # Bijective scrambles of a sequence number: ids look like each system's own and never collide.
    """create macro base36_id(x, mult, add, width) as
        upper(to_base((x::bigint * mult + add) % (36::bigint ** width)::bigint, 36, width))""",
)


def _connect(temp_dir: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set timezone = 'UTC'")
    con.execute(f"set temp_directory = '{temp_dir}'")
    con.execute("set memory_limit = '3GB'")
    con.execute("set preserve_insertion_order = true")
    con.execute("set enable_progress_bar = false")
    for macro in MACROS:
        con.execute(macro)
    return con


def _put(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, np.ndarray | Sequence]) -> None:
    """Materialise numpy columns as a DuckDB table (DuckDB copies them; numpy may then be freed)."""
    con.register("_incoming_arrow", pa.table({k: pa.array(v) for k, v in columns.items()}))
    con.execute(f"create or replace table {name} as select * from _incoming_arrow")
    con.unregister("_incoming_arrow")


def _sql_list(values: Sequence[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def load_reference_tables(
    con: duckdb.DuckDBPyConnection, seeds: Seeds, pop: Population, books: Books, reps: RepBook
) -> None:
    _put(con, "names_first", {"code": np.arange(len(pop.first_names)), "name": pop.first_names.astype(str)})
    _put(con, "names_last", {"code": np.arange(len(pop.last_names)), "name": pop.last_names.astype(str)})
    con.execute("create or replace table names_first as select *, ascii_name(name) as ascii from names_first")
    con.execute("create or replace table names_last as select *, ascii_name(name) as ascii from names_last")
    _put(con, "domains", {"code": np.arange(len(pop.domains)), "domain": pop.domains.astype(str)})
    acc = pop.accounts
    codes = seeds.countries["code"].to_numpy(dtype=object)
    _put(con, "accounts", {
        "account": np.arange(acc.n), "name": acc.name.astype(str), "domain": acc.domain.astype(str),
        "country_code": codes[acc.country].astype(str),
        "legal": np.array([LEGAL_SUFFIX.get(c, "Inc.") for c in codes])[acc.country],
    })  # fmt: skip
    p = pop.people
    _put(con, "persons", {"person": np.arange(p.n), "cc": p.phone_cc, "nn": p.phone_nn})
    for table, book in (("sp_titles", books.titles), ("sp_countries", books.countries),
                        ("sp_industries", books.industries), ("sp_sources", books.sources),
                        ("sp_regions", books.regions), ("sp_activities", books.activities),
                        ("sp_stages", books.stages)):  # fmt: skip
        _put(con, table, {"code": np.arange(len(book.raw)), "raw": list(book.raw)})
    _put(con, "campaigns", {
        "code": np.arange(len(CAMPAIGNS)), "utm_source": [c[1] for c in CAMPAIGNS],
        "utm_medium": [c[2] for c in CAMPAIGNS], "utm_campaign": [c[3] for c in CAMPAIGNS],
        "path": [c[4] for c in CAMPAIGNS],
    })  # fmt: skip
    _put(con, "reps", {"code": np.arange(len(reps.ids)), "rep_id": reps.ids.astype(str)})
    statuses = [
        (s, i, label) for s, system in enumerate(SOURCE_SYSTEMS) for i, label in enumerate(CRM_STATUSES[system])
    ]
    _put(con, "crm_statuses", {"st_system": [x[0] for x in statuses], "st_code": [x[1] for x in statuses],
                               "label": [x[2] for x in statuses]})  # fmt: skip


def resolve_identities(con: duckdb.DuckDBPyConnection, rng: np.random.Generator, ids: Identities) -> None:
    """Build every identity's address; redraw the few that collide after normalisation, until none do."""
    query = f"""
        with e as (
            select i.ident, i.kind, email_local(f.ascii, l.ascii, i.pattern, i.digits) as local, d.domain
            from _identities i
            join names_first f on f.code = i.first
            join names_last l on l.code = i.last
            join domains d on d.code = i.domain
        ), k as (
            select ident, kind,
                   case when domain in ('gmail.com', 'googlemail.com') then replace(local, '.', '') else local end
                   || '@' || replace(domain, 'googlemail.com', 'gmail.com') as key
            from e
        )
        select ident from (
            select ident, kind, row_number() over (partition by key order by ident) as rn from k
        ) where rn > 1 and kind <> {FAKE} order by ident
    """
    for _ in range(100):
        con.register("_identities", pa.table({
            "ident": np.arange(len(ids.first)), "first": ids.first, "last": ids.last, "pattern": ids.pattern,
            "digits": ids.digits, "domain": ids.domain, "kind": ids.kind,
        }))  # fmt: skip
        clash = con.execute(query).fetchnumpy()["ident"].astype(np.int64)
        if len(clash) == 0:
            break
        corporate = ids.kind[clash] == CORPORATE
        to_full = clash[corporate & (ids.pattern[clash] != 0)]
        ids.pattern[to_full] = 0
        rest = np.setdiff1d(clash, to_full)
        ids.digits[rest] = rng.integers(1, 10_000, len(rest))
    else:
        raise RuntimeError("email addresses did not become unique")
    con.execute("""
        create or replace table emails as
        select i.ident, email_local(f.ascii, l.ascii, i.pattern, i.digits) as local, d.domain
        from _identities i
        join names_first f on f.code = i.first
        join names_last l on l.code = i.last
        join domains d on d.code = i.domain
    """)
    con.unregister("_identities")


LEAD_ID_SQL = """case system
    when 0 then (5000001 + ordinal * 13 + ordinal % 13)::varchar
    when 1 then '00Q8d' || base36_id(ordinal, 48271, 1234567, 10)
    when 2 then 'wf_' || lower(to_base((ordinal * 2654435761 + 12345) % 4294967296, 16, 8))
    else 'IMP-' || strftime(ts(created), '%Y%m') || '-' || lpad(ordinal::varchar, 7, '0') end"""
EXTERNAL_ID_SQL = "'0038d00' || base36_id(person, 48271, 7654321, 8)"


def render_leads(con: duckdb.DuckDBPyConnection, rows: dict[str, np.ndarray]) -> None:
    """lead_out: every landing lead row with its text and typed values, file and position in the file."""
    _put(con, "lead_rows", rows)
    con.execute(f"""
        create or replace table lead_out as
        with b as (
            select r.*, e.local as b_local, e.domain as b_domain, e.local || '@' || e.domain as b_email,
                   replace(e.local, '.', '') as nd, fn.name as fname, ln.name as lname, fn.ascii as f_ascii,
                   ln.ascii as l_ascii, a.name as account_name, a.domain as account_domain, a.legal,
                   p.cc, p.nn
            from lead_rows r
            join emails e on e.ident = r.ident
            join names_first fn on fn.code = r.first
            join names_last ln on ln.code = r.last
            join persons p on p.person = r.person
            left join accounts a on a.account = r.account
        ), e as (
            select *, case email_mode
                when {EMAIL_BASE} then b_email
                when {EMAIL_ALT} then b_email
                when {EMAIL_CASE} then repeat(' ', ws_lead) || (case case_style
                    when 0 then title_email(b_local, b_domain) when 1 then upper(b_email)
                    when 2 then upper(b_email[1]) || b_email[2:] else b_email end) || repeat(' ', ws_trail)
                when {EMAIL_PLUS} then b_local || '+' || {_sql_list(PLUS_TAGS)}[plus_tag + 1] || '@' || b_domain
                when {EMAIL_GMAIL} then (case
                    when dot_mode = 0 then nd
                    when dot_mode = 2 and length(nd) <= 14 then array_to_string(string_split(nd, ''), '.')
                    else nd[1:1 + dot_pos % greatest(length(nd) - 1, 1)] || '.'
                         || nd[2 + dot_pos % greatest(length(nd) - 1, 1):] end)
                    || '@' || (case when googlemail then 'googlemail.com' else 'gmail.com' end)
                when {EMAIL_FUZZY} then email_local(f_ascii, l_ascii, fz_pattern, -1) || '@' || b_domain
                when {EMAIL_NONE} then null
                else (case invalid_kind
                    when 0 then b_local || '@' || split_part(b_domain, '.', 1)
                    when 1 then b_local || '@@' || b_domain
                    when 2 then (case when contains(b_local, '.') then replace(b_local, '.', ' ')
                                      else b_local[1] || ' ' || b_local[2:] end) || '@' || b_domain
                    when 3 then b_local || '.' || b_domain
                    else b_local || '@' || replace(b_domain, '.', ',') end)
                end as email0
            from b
        )
        select
            rec, version, person, file, system, spam_kind, dup, email_mode, blank_id, bad_date,
            created, case when updated_blank then null else updated end as updated,
            row_number() over (partition by file order by coalesce(case when updated_blank then null else updated end,
                                                                   created), rec, version) as file_row,
            {LEAD_ID_SQL} as lead_id_true,
            case when blank_id then null else {LEAD_ID_SQL} end as lead_id,
            case when system_blank then null else {_sql_list(SOURCE_SYSTEMS)}[system + 1] end as source_system,
            case bad_date when 1 then 'not a date' when 2 then '2026-13-45' when 3 then '31/02/2026 25:61'
                 else fmt_ts(created, ts_style, utc_offset) end as created_at_text,
            ts(created) as created_at_ts,
            case when bad_date = 4 then 'not a date' when bad_date = 5 then '2026-13-45'
                 when bad_date = 6 then 'yesterday' when updated_blank then null
                 else fmt_ts(updated, ts_style, utc_offset) end as updated_at_text,
            case when updated_blank then null else ts(updated) end as updated_at_ts,
            case when email_mode = {EMAIL_GMAIL} and email0 = b_email
                 then replace(email0, '@gmail.com', '@googlemail.com') else email0 end as email,
            case when first_blank then null else (case name_case when 1 then lower(fname) when 2 then upper(fname)
                 when 3 then fname || ' ' else fname end) end as first_name,
            case name_case when 1 then lower(lname) when 2 then upper(lname) else lname end as last_name,
            phone_text(cc, nn, phone_fmt) as phone,
            t.raw as job_title,
            case company_mode when 0 then account_name when 1 then account_name || ' ' || legal
                 when 2 then lower(account_name) when 3 then upper(account_name) when 5 then lname
                 when 6 then {_sql_list(JUNK_COMPANIES)}[junk_company + 1] end as company_name,
            case when account < 0 then null else (case domain_mode when 0 then account_domain
                 when 1 then 'www.' || account_domain when 2 then upper(account_domain[1]) || account_domain[2:]
                 end) end as company_domain,
            case when industry >= 0 then i.raw when industry <= -2 then {_sql_list(UNMAPPED_INDUSTRIES)}[-industry - 1]
                 end as industry,
            case when employees >= 0 then employees end as employee_count,
            case when revenue >= 0 then (revenue / 100)::decimal(18, 2) end as annual_revenue,
            case when country_pad then ' ' || c.raw || '  ' else c.raw end as country,
            g.raw as region,
            s.raw as lead_source,
            cm.utm_source, cm.utm_medium, cm.utm_campaign,
            case when landing = -2 then '{VENDOR_SITE}' || lc.path
                 when landing >= 0 then '{VENDOR_SITE}' || {_sql_list(PAGES)}[landing + 1] end as landing_page,
            case when product >= 0 then {_sql_list(PRODUCTS)}[product + 1] end as product_interest,
            case when opt_blank then null else (case opt_repr
                 when 0 then case when opt_out then 'true' else 'false' end
                 when 1 then case when opt_out then 'Yes' else 'No' end
                 when 2 then case when opt_out then '1' else '0' end
                 else case when opt_out then 'TRUE' else 'FALSE' end end) end as email_opt_out_text,
            case when opt_blank then null else opt_out end as email_opt_out_bool,
            ip_text(ip) as ip_address,
            st.label as crm_status,
            rp.rep_id as crm_owner_id,
            case when external then {EXTERNAL_ID_SQL} end as external_id,
            case when persona >= 0 then {_sql_list(PERSONAS)}[persona + 1] end as hs_persona,
            case when lead_score >= 0 then lead_score::integer end as crm_lead_score,
            utc_offset
        from e
        left join sp_titles t on t.code = e.title
        left join sp_industries i on i.code = e.industry
        left join sp_countries c on c.code = e.country_raw
        left join sp_regions g on g.code = e.region_raw
        left join sp_sources s on s.code = e.source_raw
        left join campaigns cm on cm.code = e.campaign
        left join campaigns lc on lc.code = e.landing_campaign
        left join crm_statuses st on st.st_system = e.system and st.st_code = e.crm_status
        left join reps rp on rp.code = e.owner
    """)
    con.execute("drop table lead_rows")


# --- files ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One landing column: its text (CSV), JSON and Parquet expressions over the rendered table."""

    name: str
    text: str | None = None  # default: the column of the same name
    typed: str | None = None  # Parquet (native types); also JSON unless json is given
    json: str | None = None

    def expr(self, fmt: str) -> str:
        text = self.text or self.name
        if fmt == "parquet":
            return self.typed or text
        if fmt == "jsonl":
            return self.json or self.typed or text
        return f"({text})::varchar"


COPY_OPTIONS = {
    "csv": "(format csv, header true)",
    "csv.gz": "(format csv, header true, compression gzip)",
    "parquet": "(format parquet, compression zstd)",
    "jsonl": "(format json)",
}
# Some exports spell headers their own way; names match case-insensitively (every third file).
HEADER_CASE = {
    "leads": {"email": "Email", "lead_id": "LEAD_ID", "first_name": "First_Name", "created_at": "Created_At"},
    "activities": {"activity_id": "Activity_ID", "occurred_at": "OCCURRED_AT", "email": "EMAIL"},
    "deals": {"deal_id": "DEAL_ID", "stage": "Stage", "amount": "Amount"},
    "companies": {"company_domain": "Company_Domain", "employee_count": "Employee_Count"},
}


def write_entity(
    con: duckdb.DuckDBPyConnection,
    entity: str,
    table: str,
    columns: Sequence[Column],
    cal: Calendar,
    out_dir: Path,
    order_by: str,
) -> list[dict]:
    """One file per non-empty period, format rotating, rows in a fixed order; returns what was written."""
    counts = np.zeros(cal.n, dtype=np.int64)
    for period, rows in con.execute(f"select file, count(*) from {table} group by file").fetchall():
        counts[period] = rows
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for j, (period, fmt) in enumerate(sorted(_file_formats(counts, entity).items())):
        rename = HEADER_CASE[entity] if j % 3 == 1 else {}
        select = ", ".join(f'{c.expr(fmt)} as "{rename.get(c.name, c.name)}"' for c in columns)
        path = out_dir / f"{entity}_{cal.labels[period]}.{fmt}"
        con.execute(
            f"copy (select {select} from {table} where file = {period} order by {order_by}) "
            f"to '{path}' {COPY_OPTIONS[fmt]}"
        )
        written.append(
            {"file": f"{entity}/{path.name}", "period": int(period), "format": fmt, "rows": int(counts[period])}
        )
    return written


LEAD_COLUMNS = (
    Column("lead_id"), Column("source_system"),
    Column("created_at", "created_at_text", "created_at_ts", "created_at_text"),
    Column("updated_at", "updated_at_text", "updated_at_ts", "updated_at_text"),
    Column("email"), Column("first_name"), Column("last_name"), Column("phone"), Column("job_title"),
    Column("company_name"), Column("company_domain"), Column("industry"),
    Column("employee_count", typed="employee_count"), Column("annual_revenue", typed="annual_revenue"),
    Column("country"), Column("region"), Column("lead_source"), Column("utm_source"), Column("utm_medium"),
    Column("utm_campaign"), Column("landing_page"), Column("product_interest"),
    Column("email_opt_out", "email_opt_out_text", "email_opt_out_bool"),
    Column("ip_address"), Column("crm_status"), Column("crm_owner_id"), Column("external_id"),
    Column("hs_persona"), Column("crm_lead_score", typed="crm_lead_score"),
)  # fmt: skip


# --- activities ------------------------------------------------------------------------------------------------


class _Batch:
    """Columns of one batch of activities, collected component by component, then concatenated."""

    DEFAULTS: dict[str, tuple[type, int]] = {  # noqa: RUF012
        "rep": (np.int16, -1), "direction": (np.int8, -1), "channel": (np.int8, -1), "campaign": (np.int16, -1),
        "page": (np.int16, -1), "outcome": (np.int8, -1), "status": (np.int8, -1), "reason": (np.int16, -1),
        "rating": (np.int8, 0), "due": (np.int64, 0), "cms": (np.int8, -1), "unknown": (np.int8, -1),
    }  # fmt: skip

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray | int, dict]] = []

    def add(self, rec: np.ndarray, t: np.ndarray, kind: np.ndarray | int, **cols: np.ndarray | int) -> None:
        unknown = set(cols) - set(self.DEFAULTS)
        if unknown:
            raise KeyError(f"unknown activity columns {unknown}")
        for name, value in [("t", t), ("kind", kind), *cols.items()]:
            if np.ndim(value) and len(value) != len(rec):
                raise ValueError(f"activity column {name} has {len(value)} values for {len(rec)} rows")
        if len(rec):
            self.parts.append((rec, t, kind, cols))

    def build(self) -> dict[str, np.ndarray]:
        n = [len(p[0]) for p in self.parts]
        out = {
            "rec": np.concatenate([p[0] for p in self.parts]).astype(np.int32),
            "t": np.concatenate([p[1] for p in self.parts]).astype(np.int64),
            "kind": np.concatenate([np.broadcast_to(p[2], k) for p, k in zip(self.parts, n, strict=True)]).astype(
                np.int16
            ),
        }
        for name, (dtype, default) in self.DEFAULTS.items():
            out[name] = np.concatenate(
                [np.broadcast_to(p[3].get(name, default), k) for p, k in zip(self.parts, n, strict=True)]
            ).astype(dtype)
        return out


INBOUND, OUTBOUND = 0, 1
WEB_FORM_CHANNELS = tuple(CHANNELS.index(c) for c in ("Paid Search", "Paid Social", "Organic Search", "Direct",
                                                      "Referral", "Partner", "Email"))  # fmt: skip
EMAIL_ONLY_KINDS = tuple(K[k] for k in ("form_submit", "content_download", "webinar_registration",
                                        "webinar_attendance", "page_view", "pricing_page_view", "email_open",
                                        "email_click", "unsubscribe", "paid_click"))  # fmt: skip


def _in_window(rng: np.random.Generator, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    return start + (rng.random(len(start)) * np.maximum(end - start, 60)).astype(np.int64)


@dataclass
class _Leads:
    """One batch of lead records as the activity components see them."""

    f: dict[str, np.ndarray]
    t0: np.ndarray
    live: np.ndarray  # not rejected by the ingest (rejected rows get no activities)
    real: np.ndarray  # live and not spam
    e: np.ndarray  # engagement
    m: np.ndarray  # engagement multiplier on counts
    conv: np.ndarray  # the record a deal was created from
    intent_end: np.ndarray  # high-intent activity happens before this: the deal, or the horizon

    @property
    def n(self) -> int:
        return len(self.t0)

    @classmethod
    def of(cls, cal: Calendar, f: dict[str, np.ndarray]) -> _Leads:
        t0 = f["t0"]
        live = ~f["rejected"]
        conv = f["conv_t"] > 0
        horizon = np.minimum(cal.end, t0 + 200 * DAY)
        return cls(f=f, t0=t0, live=live, real=(f["spam"] < 0) & live, e=f["engagement"],
                   m=np.exp(0.7 * f["engagement"]), conv=conv,
                   intent_end=np.where(conv, f["conv_t"], horizon))  # fmt: skip


def _arrival(rng: np.random.Generator, b: _Batch, c: _Leads) -> None:
    """How the lead arrived: ad click then form, demo request, webinar sign-up, badge scan, download."""
    f, t0, ch = c.f, c.t0, c.f["channel"]
    paid = np.flatnonzero(c.live & np.isin(ch, [CHANNELS.index("Paid Search"), CHANNELS.index("Paid Social")]))
    b.add(paid, t0[paid] - rng.integers(20, 900, len(paid)), K["paid_click"], direction=INBOUND, page=-2,
          channel=np.where(ch[paid] == CHANNELS.index("Paid Search"), CH["paid_search"], CH["paid_social"]),
          campaign=f["campaign"][paid])  # fmt: skip
    form = c.live & (np.isin(ch, WEB_FORM_CHANNELS) | (f["spam"] >= 0))
    demo = form & c.real & (rng.random(c.n) < _sigmoid(-2.0 + c.e + 2 * (f["fit"] - 0.5)))
    i = np.flatnonzero(form)
    page = np.where(demo[i], DEMO_PAGE, np.where(f["campaign"][i] >= 0, -2, 0))
    b.add(i, t0[i], np.where(demo[i], K["demo_request"], K["form_submit"]), direction=INBOUND, channel=CH["web"],
          page=page, campaign=f["campaign"][i])  # fmt: skip
    for channel, kind, cms, chan in (("Webinar", "webinar_registration", 2, "web"),
                                     ("Event", "event_scan", 3, "event"),
                                     ("Content", "content_download", -1, "web")):  # fmt: skip
        i = np.flatnonzero(c.live & (ch == CHANNELS.index(channel)))
        b.add(i, t0[i], K[kind], direction=INBOUND, channel=CH[chan], campaign=f["campaign"][i], cms=cms,
              page=np.where(f["campaign"][i] >= 0, -2, -1))  # fmt: skip


def _interest(rng: np.random.Generator, b: _Batch, c: _Leads) -> None:
    """Web visits and high-intent engagement (webinars attended, demo requests, pricing visits), their
    counts driven by engagement and, for converting records, all before the deal."""
    f, t0, e, m, end = c.f, c.t0, c.e, c.m, c.intent_end
    attend = np.flatnonzero(
        c.real & (f["channel"] == CHANNELS.index("Webinar")) & (rng.random(c.n) < _sigmoid(-0.3 + 0.8 * e))
    )
    attend_t = np.minimum(t0[attend] + rng.integers(DAY, 10 * DAY, len(attend)), end[attend] - 60)
    b.add(attend, attend_t, K["webinar_attendance"], direction=INBOUND, channel=CH["webinar"],
          campaign=f["campaign"][attend], cms=3)  # fmt: skip
    webinars = np.array([j for j, camp in enumerate(CAMPAIGNS) if camp[0] == "Webinar"])
    i, _ = _expand(np.where(c.real, rng.poisson(0.12 * m), 0))
    registered = _in_window(rng, t0[i], end[i])
    camp = webinars[rng.integers(0, len(webinars), len(i))]
    b.add(i, registered, K["webinar_registration"], direction=INBOUND, channel=CH["web"], campaign=camp, cms=2, page=-2)
    went_t = registered + rng.integers(HOUR, 7 * DAY, len(i))
    went = (rng.random(len(i)) < _sigmoid(-0.2 + 0.8 * e[i])) & (went_t < end[i])
    b.add(i[went], went_t[went], K["webinar_attendance"], direction=INBOUND, channel=CH["webinar"], campaign=camp[went],
          cms=3)  # fmt: skip
    i = np.flatnonzero(c.real & (rng.random(c.n) < _sigmoid(-2.8 + 1.1 * e + 2 * (f["fit"] - 0.5))))
    b.add(i, _in_window(rng, t0[i], end[i]), K["demo_request"], direction=INBOUND, channel=CH["web"], page=DEMO_PAGE)
    i, _ = _expand(np.where(c.real, rng.poisson(0.3 * m * m), 0))
    as_page_view = rng.random(len(i)) < 0.3  # the web tool logs a plain page view of /pricing
    b.add(i, _in_window(rng, t0[i] - 3 * DAY, end[i]), np.where(as_page_view, K["page_view"], K["pricing_page_view"]),
          direction=INBOUND, channel=CH["web"], page=np.array(PRICING_PAGES)[rng.integers(0, 2, len(i))])  # fmt: skip
    browsing = c.real | (c.live & (f["spam"] > 0))
    i, _ = _expand(np.where(browsing, rng.poisson(np.where(c.real, 3.5 * m, 0.5)), 0))
    before = rng.random(len(i)) < 0.2  # anonymous visits stitched to the lead once it is known
    t = np.where(before, t0[i] - rng.integers(60, 7 * DAY, len(i)),
                 t0[i] + rng.exponential(10 * DAY, len(i)).astype(np.int64))  # fmt: skip
    b.add(i, t, K["page_view"], direction=INBOUND, channel=CH["web"],
          page=np.array(GENERAL_PAGES)[rng.integers(0, len(GENERAL_PAGES), len(i))])  # fmt: skip


def _nurture(rng: np.random.Generator, b: _Batch, c: _Leads) -> None:
    """Marketing emails with opens, clicks and unsubscribes (no mail after one); bounces for bad addresses."""
    f, t0 = c.f, c.t0
    counts = np.where(c.real & f["email_ok"] & ~f["opt_out"], rng.poisson(5.5, c.n), 0)
    i, _ = _expand(counts)
    sent = t0[i] + rng.integers(DAY, 150 * DAY, len(i))
    sent = sent // DAY * DAY + 14 * HOUR + rng.integers(0, 2 * HOUR, len(i))
    unsub_t = np.full(c.n, 2**62)
    quits = np.flatnonzero((counts > 0) & (rng.random(c.n) < 0.025))
    which = (np.cumsum(counts) - counts)[quits] + rng.integers(0, 1000, len(quits)) % counts[quits]
    unsub_t[quits] = sent[which] + rng.integers(60, 4 * HOUR, len(quits))
    keep = sent < unsub_t[i]
    i, sent = i[keep], sent[keep]
    camp = np.array(NURTURE_CAMPAIGNS)[rng.integers(0, len(NURTURE_CAMPAIGNS), len(i))]
    b.add(i, sent, K["email_sent"], direction=OUTBOUND, channel=CH["email"], campaign=camp, cms=0)
    opened = rng.random(len(i)) < _sigmoid(-0.6 + 0.5 * c.e[i])
    open_t = sent + rng.exponential(5 * HOUR, len(i)).astype(np.int64) + 30
    b.add(i[opened], open_t[opened], K["email_open"], direction=INBOUND, channel=CH["email"], campaign=camp[opened])
    clicked = opened & (rng.random(len(i)) < 0.25)
    b.add(i[clicked], open_t[clicked] + rng.integers(5, 1800, clicked.sum()), K["email_click"], direction=INBOUND,
          channel=CH["email"], campaign=camp[clicked], cms=5,
          page=np.array(GENERAL_PAGES)[rng.integers(0, len(GENERAL_PAGES), clicked.sum())])  # fmt: skip
    b.add(quits, unsub_t[quits], K["unsubscribe"], direction=INBOUND, channel=CH["email"])
    disposable = f["spam"] == SPAM_KINDS.index("disposable")
    i = np.flatnonzero(c.live & (f["invalid"] | (disposable & (rng.random(c.n) < 0.3))))
    sent = t0[i] + rng.integers(HOUR, 2 * DAY, len(i))
    b.add(i, sent, K["email_sent"], direction=OUTBOUND, channel=CH["email"], campaign=NURTURE_CAMPAIGNS[0], cms=0)
    b.add(i, sent + rng.integers(5, 600, len(i)), K["email_bounce"], channel=CH["email"],
          outcome=OUTCOMES.index("hard_bounce"))  # fmt: skip


@dataclass
class _Touched:
    """The records an SDR worked: index in the batch, acting rep, first and last touch."""

    i: np.ndarray
    rep: np.ndarray
    first: np.ndarray
    last: np.ndarray


TOUCH_CHANNEL = np.full(len(ACT_KINDS), -1)
TOUCH_CHANNEL[[K["email_sent"], K["call"], K["linkedin_message"]]] = [CH["email"], CH["phone"], CH["linkedin"]]


def _outreach(rng: np.random.Generator, b: _Batch, c: _Leads, reps: RepBook) -> _Touched:
    """SDR touches: the first at the owner's own speed (in working hours mostly), then follow-ups with
    tasks scheduled for them; none after the deal."""
    f = c.f
    p_touch = np.where(f["spam"] == 0, 0.0, np.where(f["spam"] > 0, 0.25, np.where(f["system"] == 3, 0.75, 0.9)))
    i = np.flatnonzero(c.live & (rng.random(c.n) < p_touch) & (f["owner"] >= 0))
    owner = f["owner"][i]
    first = c.t0[i] + rng.lognormal(np.log(reps.speed_minutes[owner] * 60), SDR_SPEED_SIGMA).astype(np.int64) + 30
    rep = _active_rep(reps, owner, first)
    shifted = _working_hours(reps, rep, first, rng.integers(60, 45 * 60, len(i)))
    first = np.where(rng.random(len(i)) < 0.92, shifted, first)
    has_mail, has_phone = f["email_ok"][i], f["phone"][i]
    kind = np.where(has_mail & (~has_phone | (rng.random(len(i)) < 0.6)), K["email_sent"],
                    np.where(has_phone, K["call"], K["linkedin_message"]))  # fmt: skip
    outcome = np.where(kind == K["call"], _pick(rng, OUTCOME_CALL_WEIGHTS, len(i)), -1)
    b.add(i, first, kind, rep=rep, direction=OUTBOUND, channel=TOUCH_CHANNEL[kind], outcome=outcome)

    n_follow = np.minimum(rng.poisson(3.0, len(i)), 8)
    j, k = _expand(n_follow)
    follow = first[j] + _group_cumsum(rng.gamma(1.5, 1.3 * DAY, len(j)).astype(np.int64) + HOUR, n_follow)
    follow_rep = _active_rep(reps, owner[j], follow)
    follow = _working_hours(reps, follow_rep, follow, rng.integers(60, 3 * HOUR, len(j)))
    alive = ~c.conv[i[j]] | (follow < f["conv_t"][i[j]])
    u = rng.random(len(j))
    kind = np.where(u < 0.5, K["email_sent"], np.where(u < 0.85, K["call"], K["linkedin_message"]))
    kind = np.where((kind == K["email_sent"]) & ~has_mail[j], K["call"], kind)
    kind = np.where((kind == K["call"]) & ~has_phone[j], K["linkedin_message"], kind)
    outcome = np.where(kind == K["call"], _pick(rng, OUTCOME_CALL_WEIGHTS, len(j)), -1)
    a = alive
    b.add(i[j][a], follow[a], kind[a], rep=follow_rep[a], direction=OUTBOUND, channel=TOUCH_CHANNEL[kind[a]],
          outcome=outcome[a])  # fmt: skip
    previous = np.where(k == 0, first[j], np.roll(follow, 1))
    task = alive & (rng.random(len(j)) < 0.4)
    b.add(i[j][task], previous[task] + 60, K["task_scheduled"], rep=follow_rep[task], due=follow[task])
    last = first.copy()
    np.maximum.at(last, j[alive], follow[alive])
    return _Touched(i, rep, first, last)


def _pipeline(rng: np.random.Generator, b: _Batch, c: _Leads, reps: RepBook, w: _Touched) -> None:
    """Replies and the lead's status path: Contacted, Engaged, MQL, sales accept or reject, meetings, SQL
    at the deal; then Disqualified (with a reason), In Nurture, or still open with a next task."""
    f, i, rep, first = c.f, w.i, w.rep, w.first
    n = len(i)
    real = c.real[i]
    cv, ct, ae = c.conv[i], f["conv_t"][i], f["ae"][i]
    replied = f["email_ok"][i] & real & (rng.random(n) < _sigmoid(-1.5 + 0.9 * c.e[i]))
    j, _ = _expand(replied * (1 + (rng.random(n) < 0.2)))
    reply_t = first[j] + rng.exponential(2.5 * DAY, len(j)).astype(np.int64) + 600
    before_deal = first[j] + (rng.random(len(j)) * (ct[j] - first[j])).astype(np.int64)
    reply_t = np.where(cv[j] & (reply_t >= ct[j]), before_deal, reply_t)
    b.add(i[j], reply_t, K["email_reply"], direction=INBOUND, channel=CH["email"], outcome=OUTCOMES.index("replied"))
    b.add(i, first + rng.integers(60, 600, n), K["status_change"], rep=rep, status=ST["Contacted"])
    first_reply = np.full(n, 2**62)
    np.minimum.at(first_reply, j, reply_t)
    eng = first_reply < 2**62
    b.add(i[eng], first_reply[eng] + rng.integers(300, HOUR, eng.sum()), K["status_change"], rep=rep[eng],
          status=ST["Engaged"])  # fmt: skip

    mql_t = np.where(cv, c.t0[i] + ((0.35 + 0.25 * rng.random(n)) * (ct - c.t0[i])).astype(np.int64),
                     first + rng.exponential(4 * DAY, n).astype(np.int64))  # fmt: skip
    mql = cv | (real & (rng.random(n) < _sigmoid(-2.0 + f["score"][i])))
    accept = cv | (rng.random(n) < 0.55)
    sal_t = _working_hours(reps, ae, mql_t + rng.exponential(8 * HOUR, n).astype(np.int64), rng.integers(60, HOUR, n))
    sal_t = np.where(cv & (sal_t >= ct - 2 * HOUR), mql_t + ((ct - mql_t) * 0.3).astype(np.int64), sal_t)
    b.add(i[mql], mql_t[mql], K["status_change"], status=ST["MQL"])
    ok, no = mql & accept, mql & ~accept
    b.add(i[ok], sal_t[ok], K["sales_accepted"], rep=ae[ok], direction=INBOUND, channel=CH["email"])
    b.add(i[ok], sal_t[ok] + 60, K["status_change"], rep=ae[ok], status=ST["SAL"])
    reason = len(DISQUALIFY_REASONS) + rng.integers(0, len(REJECT_REASONS), n)
    b.add(i[no], sal_t[no], K["sales_rejected"], rep=ae[no], reason=reason[no])
    b.add(i[no], sal_t[no] + HOUR, K["status_change"], status=ST["In Nurture"])
    booked = sal_t + ((ct - sal_t) * 0.5 * rng.random(n)).astype(np.int64)
    b.add(i[cv], booked[cv], K["meeting_booked"], rep=rep[cv], direction=OUTBOUND, channel=CH["phone"])
    held = ct - rng.integers(HOUR, 3 * HOUR, n)
    b.add(i[cv], held[cv], K["meeting_held"], rep=ae[cv], channel=CH["video"], outcome=OUTCOMES.index("connected"))
    b.add(i[cv], ct[cv] - 30, K["status_change"], rep=ae[cv], status=ST["SQL"])

    u = rng.random(n)
    spam = f["spam"][i] >= 0
    working = ~cv & ~no
    disq = working & (u < 0.35) | spam & (u < 0.8)
    nurture = working & (u >= 0.35) & (u < 0.65) & ~spam
    still_open = working & (u >= 0.65) & ~disq
    end_t = w.last + rng.integers(DAY, 4 * DAY, n)
    bad_fit = (f["fit"][i] < 0.4) & (rng.random(n) < 0.6)
    reason = np.where(bad_fit, DISQUALIFY_REASONS.index("Bad fit"), rng.integers(1, len(DISQUALIFY_REASONS), n))
    reason = np.where(spam, REASONS.index("Spam"), reason)
    kind = np.where(rng.random(n) < 0.3, K["disqualified"], K["status_change"])
    b.add(i[disq], end_t[disq], kind[disq], rep=rep[disq], status=ST["Disqualified"], reason=reason[disq])
    b.add(i[nurture], end_t[nurture], K["status_change"], rep=rep[nurture], status=ST["In Nurture"])
    due = _working_hours(reps, rep, w.last + rng.integers(DAY, 6 * DAY, n), rng.integers(60, 2 * HOUR, n))
    b.add(i[still_open], w.last[still_open] + 120, K["task_scheduled"], rep=rep[still_open], due=due[still_open])
    fb = real & (rng.random(n) < 0.3)
    rating = np.clip(np.round(1 + 4 * f["fit"][i] + rng.normal(0, 0.7, n)), 1, 5)
    fb_t = _working_hours(reps, rep, first + rng.integers(HOUR, 5 * DAY, n), rng.integers(60, 4 * HOUR, n))
    b.add(i[fb], fb_t[fb], K["sdr_feedback"], rep=rep[fb], rating=rating[fb])


def _unknown_types(rng: np.random.Generator, b: _Batch, c: _Leads) -> None:
    """Activity types no map knows (the warehouse keeps them as 'other' and counts them)."""
    i, _ = _expand(np.where(c.real, rng.poisson(UNKNOWN_ACTIVITY_PER_RECORD, c.n), 0))
    which = rng.integers(0, len(UNKNOWN_ACTIVITY_TYPES), len(i))
    b.add(i, c.t0[i] + rng.exponential(10 * DAY, len(i)).astype(np.int64), 0, unknown=which, direction=INBOUND,
          channel=np.where(which % 2 == 0, CH["chat"], CH["sms"]))  # fmt: skip


def _activity_batch(
    rng: np.random.Generator, cal: Calendar, reps: RepBook, f: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Every activity of a batch of lead records, as codes, within the history."""
    c = _Leads.of(cal, f)
    b = _Batch()
    _arrival(rng, b, c)
    _interest(rng, b, c)
    _nurture(rng, b, c)
    _pipeline(rng, b, c, reps, _outreach(rng, b, c, reps))
    _unknown_types(rng, b, c)
    out = b.build()
    keep = (out["t"] >= cal.start) & (out["t"] < cal.end)
    return {k: v[keep] for k, v in out.items()}


def build_activities(
    con: duckdb.DuckDBPyConnection,
    rng: np.random.Generator,
    cal: Calendar,
    reps: RepBook,
    books: Books,
    facts: dict[str, np.ndarray],
    say: Callable[[str], None],
) -> dict[str, int]:
    """Generate activities batch by batch into the DuckDB table ``acts``; returns defect counts."""
    con.execute("""
        create or replace table acts (
            act_no bigint, rec integer, t bigint, file smallint, spelling integer, unknown tinyint, rep smallint,
            direction tinyint, channel tinyint, campaign smallint, page smallint, outcome tinyint, status tinyint,
            reason smallint, rating tinyint, due bigint, cms tinyint, email_only boolean, with_email boolean,
            late boolean, ts_style tinyint
        )
    """)
    n = len(facts["t0"])
    stats = {"rows": 0, "unknown_type": 0, "late_arriving": 0, "email_only": 0}
    for lo in range(0, n, ACTIVITY_BATCH):
        f = {k: v[lo : lo + ACTIVITY_BATCH] for k, v in facts.items()}
        a = _activity_batch(rng, cal, reps, f)
        rec = a["rec"]
        rows = len(rec)
        spelling = np.where(a["unknown"] >= 0, -1, books.activities.draw(rng, a["kind"]))
        eligible = np.isin(a["kind"], EMAIL_ONLY_KINDS) & f["email_ok"][rec] & (a["unknown"] < 0)
        u = rng.random(rows)
        email_only = eligible & (u < EMAIL_ONLY_ELIGIBLE_SHARE)
        with_email = eligible & (u > 0.9)
        period = cal.period(a["t"])
        late = (rng.random(rows) < LATE_ACTIVITY_SHARE) & (period < cal.n - 1)
        next_start = cal.ends[period]
        export = next_start + (rng.random(rows) * (np.minimum(next_start + 20 * DAY, cal.end) - next_start)).astype(
            np.int64
        )
        batch = {
            "act_no": stats["rows"] + np.arange(rows, dtype=np.int64), "rec": rec + lo, "t": a["t"],
            "file": np.where(late, cal.period(export), period).astype(np.int16), "spelling": spelling,
            "unknown": a["unknown"], "rep": a["rep"], "direction": a["direction"], "channel": a["channel"],
            "campaign": a["campaign"], "page": a["page"], "outcome": a["outcome"], "status": a["status"],
            "reason": a["reason"], "rating": a["rating"], "due": a["due"], "cms": a["cms"],
            "email_only": email_only, "with_email": with_email, "late": late,
            "ts_style": _ts_styles(rng, f["system"][rec]),
        }  # fmt: skip
        con.register("_batch", pa.table({k: pa.array(v) for k, v in batch.items()}))
        con.execute("insert into acts select * from _batch")
        con.unregister("_batch")
        stats["rows"] += rows
        stats["unknown_type"] += int((a["unknown"] >= 0).sum())
        stats["late_arriving"] += int(late.sum())
        stats["email_only"] += int(email_only.sum())
        say(f"activities: {min(lo + ACTIVITY_BATCH, n):,}/{n:,} lead records, {stats['rows']:,} activities")
    return stats


ACTIVITY_ID_SQL = """case k.system
    when 0 then (10000000000 + (a.act_no * 2654435761) % 8589934592)::varchar
    when 1 then '00T8d' || base36_id(a.act_no, 48271, 99991, 10)
    when 2 then 'evt_' || lower(to_base((a.act_no * 2654435761 + 777) % 68719476736, 16, 9))
    else 'ACT-' || lpad(a.act_no::varchar, 10, '0') end"""


def activity_view(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        create or replace table lead_keys as
        select rec, system, lead_id_true as lead_id, source_system, lower(trim(email)) as email_norm, utc_offset
        from lead_out where version = 0
    """)
    con.execute(f"""
        create or replace view act_view as
        select a.act_no, a.t, a.file,
            {ACTIVITY_ID_SQL} as activity_id,
            case when a.email_only then null else k.lead_id end as lead_id,
            case when a.email_only or a.with_email then k.email_norm end as email,
            k.source_system,
            case when a.unknown >= 0 then {_sql_list(UNKNOWN_ACTIVITY_TYPES)}[a.unknown + 1] else sp.raw end
                as activity_type,
            fmt_ts(a.t, a.ts_style, k.utc_offset) as occurred_at_text, ts(a.t) as occurred_at_ts,
            rp.rep_id,
            case when a.direction >= 0 then ['inbound', 'outbound'][a.direction + 1] end as direction,
            case when a.channel >= 0 then {_sql_list(ACT_CHANNELS)}[a.channel + 1] end as channel,
            cm.utm_source, cm.utm_medium, cm.utm_campaign,
            case when a.page >= 0 then '{VENDOR_SITE}' || {_sql_list(PAGES)}[a.page + 1]
                 when a.page = -2 and cm.path is not null then '{VENDOR_SITE}' || cm.path end as page_url,
            case when a.outcome >= 0 then {_sql_list(OUTCOMES)}[a.outcome + 1] end as outcome,
            case when a.status >= 0 then {_sql_list(NEW_STATUSES)}[a.status + 1] end as new_status,
            case when a.reason >= 0 then {_sql_list(REASONS)}[a.reason + 1] end as reason,
            case when a.rating > 0 then a.rating::integer end as rating,
            case when a.due > 0 then fmt_ts(a.due, a.ts_style, k.utc_offset) end as due_at_text,
            case when a.due > 0 then ts(a.due) end as due_at_ts,
            case when a.cms >= 0 then {_sql_list(CAMPAIGN_MEMBER_STATUSES)}[a.cms + 1] end as campaign_member_status
        from acts a
        join lead_keys k on k.rec = a.rec
        left join sp_activities sp on sp.code = a.spelling
        left join reps rp on rp.code = a.rep
        left join campaigns cm on cm.code = a.campaign
    """)


ACTIVITY_COLUMNS = (
    Column("activity_id"), Column("lead_id"), Column("email"), Column("source_system"), Column("activity_type"),
    Column("occurred_at", "occurred_at_text", "occurred_at_ts", "occurred_at_text"), Column("rep_id"),
    Column("direction"), Column("channel"), Column("utm_source"), Column("utm_medium"), Column("utm_campaign"),
    Column("page_url"), Column("outcome"), Column("new_status"), Column("reason"), Column("rating", typed="rating"),
    Column("due_at", "due_at_text", "due_at_ts", "due_at_text"), Column("campaign_member_status"),
)  # fmt: skip


# --- deals ------------------------------------------------------------------------------------------------------

DEAL_SLOTS = ("created", "update", "Proposal", "update", "Negotiation", "closed")
SLOT_STAGE = np.array([0, 0, 1, 1, 2, -1])  # -1: Won or Lost


@dataclass
class Deals:
    rows: dict[str, np.ndarray]  # one entry per deal version
    person: np.ndarray  # per deal
    won_at: np.ndarray  # per deal: epoch seconds of the observed Won version, 0 if none
    outcome: np.ndarray  # per deal: 0 open, 1 won, 2 lost (as of the last export)


def make_deals(
    rng: np.random.Generator,
    seeds: Seeds,
    cal: Calendar,
    pop: Population,
    outcomes: Outcomes,
    books: Books,
    ae: np.ndarray,
    first_rec: np.ndarray,
) -> Deals:
    """Deal versions: a stage path with skips, amount and close-date changes, closed Won or Lost.

    Each version is a row with the time it happened; versions after the last export do not exist yet,
    so recent deals are still open.
    """
    people, accounts = pop.people, pop.accounts
    person = np.flatnonzero(outcomes.converted)
    n = len(person)
    tc = outcomes.deal_created[person]
    won = outcomes.wins[person]
    s = len(DEAL_SLOTS)
    present = np.ones((n, s), dtype=bool)
    present[:, 1] = rng.random(n) < 0.3
    present[:, 2] = rng.random(n) < 0.85
    present[:, 3] = present[:, 2] & (rng.random(n) < 0.25)
    present[:, 4] = rng.random(n) < 0.8
    stop = _pick(rng, (0.4, 0.35, 0.25), n)  # stage after which a lost deal is lost
    present[:, 2] &= won | (stop >= 1)
    present[:, 3] &= won | (stop >= 1)
    present[:, 4] &= won | (stop >= 2)
    gap_scale = np.array([0, 3, 7, 3, 7, 8]) * DAY
    gaps = rng.gamma(2.0, 1.0, (n, s)) * gap_scale[None, :]
    t = tc[:, None] + np.cumsum(np.where(present, gaps, 0), axis=1).astype(np.int64)
    observed = present & (t < cal.end)

    employees = accounts.employees[people.account[person]]
    seats = np.clip(np.round(employees * rng.uniform(0.03, 0.12, n)), 5, 800)
    base = np.round(seats * 480 * rng.lognormal(0, 0.25, n), -2)
    mult = np.where((np.arange(s) % 2 == 1)[None, :] & (np.arange(s) < 4)[None, :],
                    rng.uniform(0.8, 1.2, (n, s)), 1.0)  # fmt: skip
    amount = np.round(base[:, None] * np.cumprod(mult, axis=1), -2)
    push = np.where((np.arange(s) % 2 == 1)[None, :] & (rng.random((n, s)) < 0.5),
                    rng.integers(7, 31, (n, s)) * DAY, 0)  # fmt: skip
    expected = (tc + rng.integers(30, 91, n) * DAY)[:, None] + np.cumsum(push, axis=1)
    country = seeds.countries["code"].to_numpy(dtype=object)[np.maximum(people.country[person], 0)]
    euro = np.isin(country, ["DE", "FR", "ES", "IT", "NL", "BE", "AT", "FI", "PT", "IE"])
    u = rng.random(n)
    currency = np.where((country == "GB") & (u < 0.8), 2, np.where(euro & (u < 0.75), 1, 0)).astype(np.int8)
    amount = np.round(amount * np.array([1.0, 0.92, 0.79])[currency][:, None], -2)

    system = np.where(rng.random(n) < 0.8, 1, 0).astype(np.int8)  # salesforce or hubspot
    style = np.where(rng.random(n) < 0.7, np.where(system == 1, 0, 1), 2)
    email_only = rng.random(n) < DEAL_EMAIL_ONLY_SHARE
    contact = email_only | (rng.random(n) < 0.4)
    contact_case = email_only & (rng.random(n) < 0.35)

    d, slot = np.nonzero(observed)
    closing = slot == s - 1
    stage = np.where(closing, np.where(won[d], 3, 4), SLOT_STAGE[slot])
    rows = {
        "deal": d.astype(np.int32), "slot": slot.astype(np.int8), "person": person[d].astype(np.int32),
        "rec": first_rec[person[d]].astype(np.int32), "system": system[d], "updated": t[d, slot],
        "created": tc[d], "stage": stage.astype(np.int8),
        "stage_raw": books.stages.draw(rng, stage * 3 + style[d]),
        "amount_cents": (amount[d, slot] * 100).astype(np.int64), "amount_blank": rng.random(len(d)) < 0.03,
        "currency": currency[d], "currency_blank": rng.random(len(d)) < 0.05,
        "expected": expected[d, slot] // DAY,
        "closed": np.where(closing, t[d, slot] - rng.integers(0, 4 * HOUR, len(d)), 0),
        "lost_reason": np.where(closing & ~won[d], rng.integers(0, len(LOST_REASONS), len(d)), -1).astype(np.int8),
        "owner": ae[person[d]], "email_only": email_only[d], "contact": contact[d], "contact_case": contact_case[d],
        "account": people.account[person[d]], "deal_type": np.zeros(len(d), dtype=np.int8),
        "ts_style": _ts_styles(rng, system[d]), "utc_offset": people.offset[person[d]],
        "file": cal.period(t[d, slot]),
    }  # fmt: skip
    last_slot = np.where(observed, np.arange(s)[None, :], -1).max(axis=1)
    outcome = np.where(last_slot == s - 1, np.where(won, 1, 2), 0).astype(np.int8)
    won_at = np.where(outcome == 1, t[np.arange(n), s - 1], 0)
    return Deals(rows, person, won_at, outcome)


def existing_customers(pop: Population, deals: Deals) -> np.ndarray:
    """Persons whose employer had already won a deal when they first arrived (routed to CS review)."""
    people = pop.people
    first_win = np.full(pop.accounts.n, 2**62)
    won = deals.won_at > 0
    np.minimum.at(first_win, people.account[deals.person[won]], deals.won_at[won])
    has_account = people.account >= 0
    return has_account & (people.t_first > first_win[np.maximum(people.account, 0)])


DEAL_ID_SQL = """case d.system
    when 1 then '0068d' || base36_id(d.deal, 48271, 424242, 10)
    else (9000000001 + d.deal * 7 + d.deal % 7)::varchar end"""


def render_deals(con: duckdb.DuckDBPyConnection, rows: dict[str, np.ndarray]) -> None:
    _put(con, "deal_rows", rows)
    con.execute(f"""
        create or replace table deal_out as
        select d.deal, d.slot, d.person, d.file, d.updated, d.stage,
            {DEAL_ID_SQL} as deal_id,
            case when d.email_only then null else k.lead_id end as lead_id,
            case when d.contact then (case when d.contact_case then title_email(e.local, e.domain)
                 else e.local || '@' || e.domain end) end as contact_email,
            a.domain as account_domain, a.name as account_name,
            ['hubspot', 'salesforce'][d.system + 1] as source_system,
            fmt_ts(d.created, d.ts_style, d.utc_offset) as created_at_text, ts(d.created) as created_at_ts,
            fmt_ts(d.updated, d.ts_style, d.utc_offset) as updated_at_text, ts(d.updated) as updated_at_ts,
            sp.raw as stage_raw,
            case when not d.amount_blank then (d.amount_cents / 100)::decimal(18, 2) end as amount,
            case when not d.currency_blank then ['USD', 'EUR', 'GBP'][d.currency + 1] end as currency,
            (date '1970-01-01' + d.expected::integer) as expected_close_date,
            case when d.closed > 0 then fmt_ts(d.closed, d.ts_style, d.utc_offset) end as closed_at_text,
            case when d.closed > 0 then ts(d.closed) end as closed_at_ts,
            case when d.lost_reason >= 0 then {_sql_list(LOST_REASONS)}[d.lost_reason + 1] end as lost_reason,
            rp.rep_id as owner_id,
            ['new_business', 'expansion', 'renewal'][d.deal_type + 1] as deal_type,
            k.lead_id as true_lead_id
        from deal_rows d
        join lead_keys k on k.rec = d.rec
        join emails e on e.ident = d.person
        left join accounts a on a.account = d.account
        left join sp_stages sp on sp.code = d.stage_raw
        left join reps rp on rp.code = d.owner
    """)
    con.execute("drop table deal_rows")


DEAL_COLUMNS = (
    Column("deal_id"), Column("lead_id"), Column("contact_email"), Column("account_domain"),
    Column("account_name"), Column("source_system"),
    Column("created_at", "created_at_text", "created_at_ts", "created_at_text"),
    Column("updated_at", "updated_at_text", "updated_at_ts", "updated_at_text"),
    Column("stage", "stage_raw"), Column("amount", typed="amount"), Column("currency"),
    Column("expected_close_date", "strftime(expected_close_date, '%Y-%m-%d')", "expected_close_date",
           "strftime(expected_close_date, '%Y-%m-%d')"),
    Column("closed_at", "closed_at_text", "closed_at_ts", "closed_at_text"), Column("lost_reason"),
    Column("owner_id"), Column("deal_type"),
)  # fmt: skip


# --- companies ------------------------------------------------------------------------------------------------


def make_companies(
    rng: np.random.Generator, seeds: Seeds, cal: Calendar, pop: Population, books: Books, live_records: np.ndarray
) -> dict[str, np.ndarray]:
    """Enrichment rows (Clearbit / ZoomInfo style) for about 70% of the corporate domains that appear."""
    accounts = pop.accounts
    account = pop.people.account[pop.records["person"][live_records]]
    created = pop.records["created"][live_records]
    seen = account >= 0
    first_seen = np.full(accounts.n, 2**62)
    np.minimum.at(first_seen, account[seen], created[seen])
    acc = np.flatnonzero(first_seen < 2**62)
    acc = acc[rng.random(len(acc)) < COMPANY_COVERAGE]
    n = len(acc)
    enriched = first_seen[acc] + rng.integers(600, 3 * DAY, n)
    enriched = np.where(enriched >= cal.end, cal.end - rng.integers(1, HOUR, n), enriched)
    provider = (rng.random(n) < 0.45).astype(np.int8)  # 0 clearbit, 1 zoominfo
    industry = books.industries.draw(rng, accounts.industry[acc])
    unmapped = rng.random(n) < UNMAPPED_INDUSTRY_SHARE
    industry = np.where(unmapped, -2 - rng.integers(0, len(UNMAPPED_INDUSTRIES), n), industry)
    employees = np.round(accounts.employees[acc] * rng.lognormal(0, 0.15, n)).astype(np.int64)
    employees = np.where(rng.random(n) < 0.04, -1, np.maximum(employees, 1))
    revenue = np.round(accounts.revenue_cents[acc] / 100 * rng.lognormal(0, 0.25, n), -3).astype(np.int64) * 100
    revenue = np.where(rng.random(n) < 0.2, -1, revenue)
    country = accounts.country[acc]
    return {
        "account": acc.astype(np.int32), "enriched": enriched, "provider": provider, "industry": industry,
        "employees": employees, "revenue": revenue, "country": country,
        "ts_style": np.where(provider == 0, 0, 3).astype(np.int8), "file": cal.period(enriched),
    }  # fmt: skip


def render_companies(con: duckdb.DuckDBPyConnection, seeds: Seeds, rows: dict[str, np.ndarray]) -> None:
    _put(con, "company_rows", rows)
    _put(con, "countries", {"country": np.arange(len(seeds.countries)),
                            "code": seeds.countries["code"].astype(str).to_numpy(),
                            "name": seeds.countries["name"].astype(str).to_numpy()})  # fmt: skip
    con.execute(f"""
        create or replace table company_out as
        select c.account, c.file, c.enriched, a.domain as company_domain,
            case when c.industry >= 0 then i.raw when c.industry <= -2
                 then {_sql_list(UNMAPPED_INDUSTRIES)}[-c.industry - 1] end as industry,
            case when c.employees >= 0 then c.employees end as employee_count,
            case when c.revenue >= 0 then (c.revenue / 100)::decimal(18, 2) end as annual_revenue,
            case when c.provider = 0 then k.code else k.name end as country,
            ['clearbit', 'zoominfo'][c.provider + 1] as provider,
            fmt_ts(c.enriched, c.ts_style, 0) as enriched_at_text, ts(c.enriched) as enriched_at_ts
        from company_rows c
        join accounts a on a.account = c.account
        join countries k on k.country = c.country
        left join sp_industries i on i.code = c.industry
    """)
    con.execute("drop table company_rows")


COMPANY_COLUMNS = (
    Column("company_domain"), Column("industry"), Column("employee_count", typed="employee_count"),
    Column("annual_revenue", typed="annual_revenue"), Column("country"), Column("provider"),
    Column("enriched_at", "enriched_at_text", "enriched_at_ts", "enriched_at_text"),
)  # fmt: skip


# --- ground truth ------------------------------------------------------------------------------------------


def write_ground_truth(
    con: duckdb.DuckDBPyConnection,
    seeds: Seeds,
    pop: Population,
    deals: Deals,
    existing: np.ndarray,
    written: dict[str, list[dict]],
    out: Path,
) -> None:
    """The truth behind every landing lead row, person and deal, for scoring the warehouse."""
    out.mkdir(parents=True, exist_ok=True)
    files = written["leads"]
    _put(con, "lead_files", {"file": [f["period"] for f in files], "landing_file": [f["file"] for f in files]})
    con.execute(f"""
        copy (
            select f.landing_file, l.file_row, coalesce(l.source_system, 'import') as source_system, l.lead_id,
                l.person::bigint as person_id, l.created_at_ts as created_at_utc, l.updated_at_ts as updated_at_utc,
                l.spam_kind >= 0 as is_spam,
                case when l.spam_kind >= 0 then {_sql_list(SPAM_KINDS)}[l.spam_kind + 1] end as spam_kind,
                l.email_mode = {EMAIL_INVALID} as has_invalid_email,
                case when l.dup >= 0 then {_sql_list(DUP_KINDS)}[l.dup + 1] end as dup_kind,
                l.version = 1 as is_new_version,
                case when l.blank_id then 'lead_id: missing'
                     when l.bad_date between 1 and 3 then 'created_at: unparseable'
                     when l.bad_date between 4 and 6 then 'updated_at: unparseable' end as expected_reject_reason,
                l.lead_id_true
            from lead_out l join lead_files f on f.file = l.file
            order by f.landing_file, l.file_row
        ) to '{out / "lead_records.parquet"}' (format parquet, compression zstd)
    """)
    people = pop.people
    n = people.n
    outcome = np.full(n, -1, dtype=np.int8)
    outcome[deals.person] = deals.outcome
    counts = np.bincount(pop.records["person"], minlength=n)
    codes = seeds.countries["code"].to_numpy(dtype=object)
    acc = np.maximum(people.account, 0)
    _put(con, "person_truth", {
        "person_id": np.arange(n, dtype=np.int64), "account": people.account,
        "is_spam": people.spam_kind >= 0, "spam_kind": people.spam_kind,
        "country_code": np.where(people.country >= 0, codes[np.maximum(people.country, 0)], None),
        "industry": np.where(people.account >= 0, np.array(INDUSTRIES)[pop.accounts.industry[acc]], None),
        "employee_count": np.where(people.account >= 0, pop.accounts.employees[acc], -1),
        "seniority": np.where(people.level >= 0, np.array(SENIORITY)[np.maximum(people.level, 0)], None),
        "fit_score": people.fit, "engagement": people.engagement, "latent_score": people.score,
        "p_convert": people.p_convert, "p_win": people.p_win, "true_propensity": people.propensity,
        "deal_outcome": outcome, "is_existing_customer": existing, "n_records": counts,
        "first_created": people.t_first, "first": people.first, "last": people.last,
    })  # fmt: skip
    con.execute(f"""
        copy (
            select p.person_id, p.is_spam,
                case when p.spam_kind >= 0 then {_sql_list(SPAM_KINDS)}[p.spam_kind + 1] end as spam_kind,
                fn.name as first_name, ln.name as last_name, e.local || '@' || e.domain as email,
                a.domain as account_domain, a.name as account_name, p.country_code, p.industry,
                case when p.employee_count >= 0 then p.employee_count end as employee_count, p.seniority,
                p.fit_score, p.engagement, p.latent_score, p.p_convert, p.p_win, p.true_propensity,
                p.deal_outcome >= 0 as has_deal,
                case p.deal_outcome when 0 then 'open' when 1 then 'won' when 2 then 'lost' end as deal_outcome,
                p.deal_outcome = 1 as is_won, p.is_existing_customer, p.n_records,
                ts(p.first_created) as first_created_at_utc
            from person_truth p
            join names_first fn on fn.code = p.first
            join names_last ln on ln.code = p.last
            join emails e on e.ident = p.person_id
            left join accounts a on a.account = p.account
            order by p.person_id
        ) to '{out / "persons.parquet"}' (format parquet, compression zstd)
    """)
    con.execute(f"""
        copy (
            select deal_id, person::bigint as person_id, true_lead_id as lead_id, account_domain, deal_type,
                arg_max(stage_raw, slot) as last_stage_raw,
                ['Qualified', 'Proposal', 'Negotiation', 'Won', 'Lost'][arg_max(stage, slot) + 1] as last_stage,
                count(*) as versions, min(created_at_ts) as created_at_utc, max(closed_at_ts) as closed_at_utc
            from deal_out group by all order by deal_id
        ) to '{out / "deals.parquet"}' (format parquet, compression zstd)
    """)


# --- the entry point ----------------------------------------------------------------------------------------

LANDING_NAME = re.compile(r"^(leads|activities|deals|companies)_\d{4}-\d{2}(-\d{2})?\.(csv|csv\.gz|parquet|jsonl)$")
GROUND_TRUTH_FILES = ("lead_records.parquet", "persons.parquet", "deals.parquet", "manifest.json")


def _clean(out: Path) -> None:
    """Remove files a previous run wrote (only those: a user's own files in the folders stay)."""
    for entity in ENTITIES:
        folder = out / "landing" / entity
        if folder.is_dir():
            for path in folder.iterdir():
                if LANDING_NAME.match(path.name):
                    path.unlink()
    for name in GROUND_TRUTH_FILES:
        (out / "ground_truth" / name).unlink(missing_ok=True)


def generate(
    out: Path,
    size: str = "S",
    seed: int = 42,
    n_leads: int | None = None,
    end_date: datetime.date = datetime.date(2026, 11, 20),
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write a synthetic CRM landing set (and its ground truth) under ``out``; return what was written.

    ``size`` S, M, L gives about 5k, 100k, 1M lead records; ``n_leads`` overrides it. The same
    arguments always give the same files.
    """
    started = time.monotonic()

    def say(message: str) -> None:
        if progress:
            progress(f"[{time.monotonic() - started:6.1f}s] {message}")

    if n_leads is None:
        if size not in SIZES:
            raise ValueError(f"size must be one of {', '.join(SIZES)} (or pass n_leads), got {size!r}")
        n_leads = SIZES[size]
    if n_leads < 100:
        raise ValueError(f"n_leads must be at least 100, got {n_leads}")
    out = Path(out)
    _clean(out)
    rng = np.random.Generator(np.random.PCG64(seed))
    seeds = load_seeds()
    cal = make_calendar(end_date)
    books = make_books(seeds)
    reps = make_rep_book(seeds)
    with tempfile.TemporaryDirectory(prefix="leadflow-generate-") as tmp:
        con = _connect(Path(tmp))
        names = build_name_book(con)
        pop = build_population(rng, seeds, cal, names, n_leads)
        people = pop.people
        outcomes = make_outcomes(rng, people, cal, n_leads)
        leads = make_lead_rows(rng, seeds, cal, pop, books, reps, outcomes)
        load_reference_tables(con, seeds, pop, books, reps)
        resolve_identities(con, rng, pop.identities)
        render_leads(con, leads.rows)
        say(f"leads: {len(leads.rows['rec']):,} rows for {people.n:,} persons")

        landing = out / "landing"
        written = {"leads": write_entity(con, "leads", "lead_out", LEAD_COLUMNS, cal, landing / "leads", "file_row")}
        say("leads written")

        first_rec = np.full(people.n, -1)
        first_rec[pop.records["person"][pop.records["rank"] == 0]] = np.flatnonzero(pop.records["rank"] == 0)
        employees = pop.accounts.employees[np.maximum(people.account, 0)]
        ae = assign_aes(seeds, reps, people.country, employees, rng.random(people.n))
        facts = _activity_facts(pop, outcomes, leads, ae)
        act_stats = build_activities(con, rng, cal, reps, books, facts, say)
        activity_view(con)
        written["activities"] = write_entity(
            con, "activities", "act_view", ACTIVITY_COLUMNS, cal, landing / "activities", "t, act_no"
        )
        say("activities written")

        deals = make_deals(rng, seeds, cal, pop, outcomes, books, ae, first_rec)
        existing = existing_customers(pop, deals)
        renewal = rng.random(len(deals.person)) < 0.35
        deal_type = np.where(existing[deals.person], np.where(renewal, 2, 1), 0)  # new_business, expansion, renewal
        deals.rows["deal_type"] = deal_type[deals.rows["deal"]].astype(np.int8)
        render_deals(con, deals.rows)
        written["deals"] = write_entity(
            con, "deals", "deal_out", DEAL_COLUMNS, cal, landing / "deals", "updated, deal, slot"
        )
        companies = make_companies(rng, seeds, cal, pop, books, np.flatnonzero(~leads.rejected))
        render_companies(con, seeds, companies)
        written["companies"] = write_entity(
            con, "companies", "company_out", COMPANY_COLUMNS, cal, landing / "companies", "enriched, account"
        )
        say("deals and companies written")

        write_ground_truth(con, seeds, pop, deals, existing, written, out / "ground_truth")
        defects = _defect_counts(con, pop, leads, deals, act_stats, existing, companies)
        con.close()

    entities = {e: {"files": len(w), "rows": sum(f["rows"] for f in w)} for e, w in written.items()}
    manifest = {
        "generator": "orchestration.generate",
        "arguments": {"size": size, "seed": seed, "n_leads": n_leads, "end_date": end_date.isoformat()},
        "history": {"first_period": cal.labels[0], "last_period": cal.labels[-1],
                    "start_utc": str(np.datetime64(cal.start, "s")), "end_utc": str(np.datetime64(cal.end, "s"))},
        "entities": entities,
        "files": written,
        "defects": defects,
    }  # fmt: skip
    (out / "ground_truth" / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    say("done")
    summary = {k: v for k, v in manifest.items() if k != "files"}
    summary["out"] = str(out)
    summary["seconds"] = round(time.monotonic() - started, 1)
    return summary


def _activity_facts(pop: Population, outcomes: Outcomes, leads: LeadRows, ae: np.ndarray) -> dict[str, np.ndarray]:
    """Per lead record, what its activities depend on."""
    r, people, rows = pop.records, pop.people, leads.rows
    person = r["person"]
    n = len(person)
    converted = outcomes.converted[person] & (r["rank"] == 0)
    return {
        "t0": r["created"], "system": r["system"], "spam": r["spam_kind"], "channel": rows["channel"][:n],
        "campaign": rows["landing_campaign"][:n], "owner": leads.owner, "ae": ae[person],
        "engagement": people.engagement[person], "fit": people.fit[person], "score": people.score[person],
        "conv_t": np.where(converted, outcomes.deal_created[person], 0), "email_ok": leads.email_ok,
        "rejected": leads.rejected, "invalid": rows["email_mode"][:n] == EMAIL_INVALID,
        "opt_out": rows["opt_out"][:n], "phone": people.phone_nn[person] > 0,
    }  # fmt: skip


def _defect_counts(
    con: duckdb.DuckDBPyConnection,
    pop: Population,
    leads: LeadRows,
    deals: Deals,
    acts: dict[str, int],
    existing: np.ndarray,
    companies: dict[str, np.ndarray],
) -> dict:
    """What was actually planted, counted from the rendered rows (the docs quote these)."""
    lead = (
        con.execute(f"""
        select count(*) as rows,
            count(*) filter (where version = 0) as records,
            count(*) filter (where version = 1) as new_versions,
            count(*) filter (where spam_kind = 0) as bot_burst,
            count(*) filter (where spam_kind = 1) as disposable,
            count(*) filter (where spam_kind = 2) as fake,
            count(*) filter (where email_mode = {EMAIL_INVALID}) as invalid_email,
            count(*) filter (where blank_id) as blank_lead_id,
            count(*) filter (where bad_date between 1 and 3) as unparseable_created_at,
            count(*) filter (where bad_date between 4 and 6) as unparseable_updated_at,
            count(*) filter (where industry in {tuple(UNMAPPED_INDUSTRIES)}) as unmapped_industry,
            count(*) filter (where company_name is null) as missing_company_name,
            count(*) filter (where employee_count is null) as missing_employee_count,
            count(*) filter (where email is null) as missing_email,
            count(*) filter (where company_domain is null and email like '%@%' and spam_kind < 0) as no_company_domain
        from lead_out
    """)
        .fetchdf()
        .iloc[0]
    )
    dup = con.execute(f"""
        select {_sql_list(DUP_KINDS)}[dup + 1] as kind, count(*) from lead_out
        where dup >= 0 and version = 0 group by 1
    """).fetchall()
    people = pop.people
    real = people.spam_kind < 0
    counts = np.bincount(pop.records["person"], minlength=people.n)
    record_account = people.account[pop.records["person"]]
    closed = deals.outcome > 0
    deal_email_only = con.execute("select count(distinct deal) from deal_out where lead_id is null").fetchone()[0]
    return {
        "lead_rows": int(lead["rows"]),
        "lead_records": int(lead["records"]),
        "persons_real": int(real.sum()),
        "persons_with_2plus_records": int((counts[real] >= 2).sum()),
        "duplicate_records_by_kind": {k: int(v) for k, v in sorted(dup)},
        "free_mail_persons": int((people.email_kind[real] == FREE_MAIL).sum()),
        **{k: int(lead[k]) for k in lead.index if k not in ("rows", "records")},
        "bot_bursts": pop.bursts,
        "rejected_rows": int(lead["blank_lead_id"] + lead["unparseable_created_at"] + lead["unparseable_updated_at"]),
        "activities": int(acts["rows"]),
        "activities_unknown_type": int(acts["unknown_type"]),
        "activities_late_arriving": int(acts["late_arriving"]),
        "activities_email_only": int(acts["email_only"]),
        "deals": len(deals.person),
        "deal_versions": len(deals.rows["deal"]),
        "deals_won": int((deals.outcome == 1).sum()),
        "deals_lost": int((deals.outcome == 2).sum()),
        "deals_open": int((deals.outcome == 0).sum()),
        "deal_win_rate_closed": round(float((deals.outcome == 1).sum() / max(closed.sum(), 1)), 4),
        "deals_email_only": int(deal_email_only),
        "existing_customer_persons": int(existing.sum()),
        "companies": len(companies["account"]),
        "company_domains_seen": len(np.unique(record_account[record_account >= 0])),
    }
