"""Identity resolution on a hand-made landing set where every right answer is known: each matching rule,
spam and validation flags, survivorship of each field class, existing customers, enrichment, Needs Info,
a 1,000-link merge chain, and person_id stability when new data arrives."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from orchestration.run import run_pipeline
from orchestration.settings import Settings
from tests.conftest import settings_for
from tests.landing import write_csv

LEAD_COLUMNS = [
    "lead_id", "source_system", "created_at", "updated_at", "email", "first_name", "last_name", "phone",
    "job_title", "company_name", "company_domain", "industry", "employee_count", "country", "lead_source",
    "utm_source", "email_opt_out", "ip_address", "external_id",
]  # fmt: skip


def lead(lead_id: str, system: str, created: str, **values: str) -> list[str]:
    row = {"lead_id": lead_id, "source_system": system, "created_at": created, **values}
    return [row.get(c, "") for c in LEAD_COLUMNS]


CHAIN_LINKS = 1000


def chain_rows() -> list[list[str]]:
    """a-b share a phone (rule 4), b-c an address (rule 2), c-d a phone, ...: CHAIN_LINKS links, no shortcut.
    Created an hour apart, so the smallest label has to travel the whole chain."""
    rows = []
    for i in range(CHAIN_LINKS + 1):
        rows.append(
            lead(
                f"CH{i:04d}",
                "import",
                f"2025-{1 + i // 700:02d}-{1 + (i % 700) // 24:02d}T{i % 24:02d}:00:00Z",
                email=f"chain{(i + 1) // 2}@gmail.com",
                first_name=f"Link{i}",
                last_name="Chain",
                phone=f"+1 555 {i // 2:07d}",
            )
        )
    return rows


def first_landing(landing: Path) -> None:
    write_csv(
        landing / "leads" / "leads_2026-01.csv",
        LEAD_COLUMNS,
        [
            # person A: a record and its newer version, the same address from an import, an external id
            lead("wf_a1", "web_form", "2026-01-02T10:00:00Z", updated_at="2026-01-02T10:00:00Z",
                 email="John.Smith+webinar@Acme.com", first_name="John", last_name="Smith", job_title="Engineer",
                 company_name="Acme Inc", country="US", lead_source="Webinar", utm_source="linkedin",
                 email_opt_out="false", external_id="0038d0000EXT1"),
            lead("wf_a1", "web_form", "2026-01-02T10:00:00Z", updated_at="2026-01-03T09:00:00Z",
                 email="John.Smith+webinar@Acme.com", first_name="John", last_name="Smith",
                 job_title="Senior Engineer", company_name="Acme Inc", country="US", lead_source="Webinar",
                 utm_source="linkedin", email_opt_out="false", external_id="0038d0000EXT1"),
            lead("IMP-1", "import", "2026-01-05T08:00:00Z", email=" john.smith@acme.com ", first_name="JOHN",
                 last_name="SMITH", job_title="CTO", lead_source="Paid Search", utm_source="google",
                 email_opt_out="true"),
            lead("00Qa3", "salesforce", "2026-01-06T08:00:00Z", email="jsmith.home@gmail.com", first_name="John",
                 last_name="Smith", phone="+44 20 7946 0958", external_id="0038d0000EXT1"),
            # person B: gmail dots and googlemail
            lead("101", "hubspot", "2026-01-07T08:00:00Z", email="johndoe@gmail.com", first_name="John",
                 last_name="Doe", company_name="Doe Consulting", country="CA"),
            lead("102", "hubspot", "2026-01-08T08:00:00Z", email="j.o.h.n.doe@googlemail.com", first_name="John",
                 last_name="Doe", country="CA"),
            # person C: a typo of her name on the same corporate domain; colleagues C3 and C4 stay apart
            lead("201", "hubspot", "2026-01-09T08:00:00Z", email="katherine.jones@globex.io",
                 first_name="Katherine", last_name="Jones", employee_count="120"),
            lead("wf_c2", "web_form", "2026-01-10T08:00:00Z", email="kathrine.jones@globex.io",
                 first_name="Kathrine", last_name="Jones"),
            lead("203", "hubspot", "2026-01-09T09:00:00Z", email="peter.jones@globex.io", first_name="Peter",
                 last_name="Jones", country="DE"),
            lead("204", "hubspot", "2026-01-09T10:00:00Z", email="kate.miller@globex.io", first_name="Kate",
                 last_name="Miller", country="DE"),
            # two Anna Lees on free mail: no corporate domain, so no name match
            lead("301", "hubspot", "2026-01-11T08:00:00Z", email="anna.lee@yahoo.com", first_name="Anna",
                 last_name="Lee", company_name="Lee Design", country="US"),
            lead("302", "hubspot", "2026-01-11T12:00:00Z", email="annalee77@hotmail.com", first_name="Anna",
                 last_name="Lee", company_name="Northwind", country="US"),
            # person E: no email, one phone in two formats; Carlos shares the phone but not the last name
            lead("00Qe1", "salesforce", "2026-01-12T08:00:00Z", first_name="Maria", last_name="Lopez",
                 phone="+1 (415) 555-0142", company_name="Lopez Bakery", country="US"),
            lead("IMP-2", "import", "2026-01-13T08:00:00Z", first_name="maria", last_name="lopez ",
                 phone="415.555.0142"),
            lead("IMP-3", "import", "2026-01-13T09:00:00Z", first_name="Carlos", last_name="Ruiz",
                 phone="415-555-0142", company_name="Ruiz Auto", country="US"),
            # spam: disposable, suppressed (twice: never merged), a bot burst with keyboard-mash names
            lead("wf_s1", "web_form", "2026-01-14T08:00:00Z", email="deals4u@mailinator.com", first_name="Sam",
                 last_name="Stone", company_name="Stone", country="US"),
            lead("wf_s2", "web_form", "2026-01-14T09:00:00Z", email="test@test.com", first_name="Test",
                 last_name="Test"),
            lead("wf_s3", "web_form", "2026-01-15T09:00:00Z", email=" Test@Test.com", first_name="Test",
                 last_name="Test"),
            lead("wf_b1", "web_form", "2026-01-16T03:00:00Z", email="qwvtr@zxkpl.net", first_name="Qwvtr",
                 last_name="Zxkplm", ip_address="203.0.113.9"),
            lead("wf_b2", "web_form", "2026-01-16T03:00:07Z", email="bprtl@gmail.com", first_name="Bprtlk",
                 last_name="Hhjkrt", ip_address="203.0.113.9"),
            lead("wf_b3", "web_form", "2026-01-16T03:00:15Z", email="mnbvc@vvcx.org", first_name="Mnbvcx",
                 last_name="Trpslk", ip_address="203.0.113.9"),
            # an office IP used days apart by two real people is not a burst; a role address is a flag only
            lead("wf_o1", "web_form", "2026-01-17T09:00:00Z", email="li.wei@initech.com", first_name="Li",
                 last_name="Wei", company_name="Initech", country="US", ip_address="198.51.100.7"),
            lead("wf_o2", "web_form", "2026-01-19T15:00:00Z", email="info@initech.com", first_name="Bill",
                 last_name="Lumbergh", company_name="Initech", country="US", ip_address="198.51.100.7"),
            # existing customers of Umbrella (won 2025-12-20), by domain, company name and contact address
            lead("501", "hubspot", "2026-01-20T08:00:00Z", email="bob.wong@umbrella.com", first_name="Bob",
                 last_name="Wong", country="US"),
            lead("502", "hubspot", "2026-01-20T09:00:00Z", email="carol88@gmail.com", first_name="Carol",
                 last_name="Ames", company_name="Umbrella Corp.", country="US"),
            lead("503", "hubspot", "2026-01-20T10:00:00Z", email="Alice.Ng@Umbrella.com", first_name="Alice",
                 last_name="Ng", country="US"),
            # Gina's own deal is won after she arrived: she is not an existing customer
            lead("701", "hubspot", "2026-01-02T08:00:00Z", email="gina@hooli.com", first_name="Gina",
                 last_name="Park", company_name="Hooli", country="US"),
            # Hal lacks what qualification needs
            lead("wf_h1", "web_form", "2026-01-21T08:00:00Z", email="hal9000@gmail.com", first_name="Hal"),
        ],
    )  # fmt: skip
    write_csv(landing / "leads" / "leads_chain.csv", LEAD_COLUMNS, chain_rows())
    write_csv(
        landing / "activities" / "activities_2026-01.csv",
        ["activity_id", "lead_id", "email", "source_system", "activity_type", "occurred_at"],
        [
            ["A1", "101", "", "hubspot", "Email Open", "2026-01-07T09:00:00Z"],
            # person B unsubscribes from an address only (dots and case differ from both records)
            ["A2", "", "John.Doe@Gmail.com", "hubspot", "Unsubscribe", "2026-01-09T09:00:00Z"],
        ],
    )
    write_csv(
        landing / "deals" / "deals_2025-12.csv",
        ["deal_id", "lead_id", "contact_email", "account_domain", "account_name", "source_system", "created_at",
         "updated_at", "stage", "amount", "currency", "closed_at"],
        [
            ["D1", "", "alice.ng@umbrella.com", "umbrella.com", "Umbrella Corp", "hubspot", "2025-11-01T00:00:00Z",
             "2025-12-20T00:00:00Z", "Closed Won", "50000", "USD", "2025-12-20T00:00:00Z"],
            ["D2", "701", "", "hooli.com", "Hooli", "hubspot", "2026-01-10T00:00:00Z", "2026-01-25T00:00:00Z",
             "Closed Won", "9000", "USD", "2026-01-25T00:00:00Z"],
        ],
    )  # fmt: skip
    write_csv(
        landing / "companies" / "companies_2026-01.csv",
        ["company_domain", "industry", "employee_count", "annual_revenue", "country", "provider", "enriched_at"],
        [["globex.io", "software", "250", "5000000", "Germany", "clearbit", "2026-01-09T12:00:00Z"]],
    )


@pytest.fixture(scope="module")
def resolved(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, dict]]:
    """Run once on the first landing set, remember its person ids, then add new data and run again."""
    monkeypatch = pytest.MonkeyPatch()
    settings = settings_for(tmp_path_factory.mktemp("identity") / "data", monkeypatch)
    first_landing(settings.landing_dir)
    summary = run_pipeline(settings)
    assert summary.success, summary.to_json()
    con = duckdb.connect(str(settings.analytics_path), read_only=True)
    first_ids = dict(con.execute("select lead_key, person_id from marts.lead_crosswalk").fetchall())
    con.close()
    yield settings, first_ids
    monkeypatch.undo()


def _con(settings: Settings) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(settings.analytics_path), read_only=True)


def _person(con: duckdb.DuckDBPyConnection, lead_key: str) -> str:
    return con.execute("select distinct person_id from marts.lead_crosswalk where lead_key = ?", [lead_key]).fetchone()[
        0
    ]


def _rule(con: duckdb.DuckDBPyConnection, lead_key: str) -> tuple[str, str | None]:
    return con.execute(
        "select match_rule, match_evidence from marts.lead_crosswalk where lead_key = ? and is_current_version",
        [lead_key],
    ).fetchone()


def test_rule_1_versions_and_external_id(resolved) -> None:
    settings, _ = resolved
    con = _con(settings)
    rows = con.execute(
        "select source_row_number, is_current_version, match_rule from marts.lead_crosswalk"
        " where lead_key = 'web_form:wf_a1' order by source_row_number"
    ).fetchall()
    assert rows == [(1, False, "same_record"), (2, True, "first_record")]
    assert _person(con, "salesforce:00Qa3") == _person(con, "web_form:wf_a1")
    assert _rule(con, "salesforce:00Qa3") == ("external_id", "external_id=0038d0000EXT1")


def test_rule_2_normalized_email_plus_tags_case_and_gmail_dots(resolved) -> None:
    settings, _ = resolved
    con = _con(settings)
    assert _person(con, "import:IMP-1") == _person(con, "web_form:wf_a1")
    assert _rule(con, "import:IMP-1") == ("email", "email=john.smith@acme.com")
    assert _person(con, "hubspot:102") == _person(con, "hubspot:101")
    assert _rule(con, "hubspot:102") == ("email", "email=johndoe@gmail.com")


def test_rule_3_fuzzy_name_on_the_same_corporate_domain_only(resolved) -> None:
    settings, _ = resolved
    con = _con(settings)
    katherine = _person(con, "hubspot:201")
    assert _person(con, "web_form:wf_c2") == katherine
    rule, evidence = _rule(con, "web_form:wf_c2")
    assert rule == "domain_name" and evidence.startswith("domain=globex.io; first_name_similarity=0.9")
    # colleagues on the same domain and namesakes on free mail are different people
    assert len({katherine, _person(con, "hubspot:203"), _person(con, "hubspot:204")}) == 3
    assert _person(con, "hubspot:301") != _person(con, "hubspot:302")


def test_rule_4_phone_in_any_format_with_the_same_last_name(resolved) -> None:
    settings, _ = resolved
    con = _con(settings)
    assert _person(con, "import:IMP-2") == _person(con, "salesforce:00Qe1")
    assert _rule(con, "import:IMP-2") == ("phone_last_name", "phone=14155550142 / lopez")
    assert _person(con, "import:IMP-3") != _person(con, "salesforce:00Qe1")


def test_no_merges_between_colleagues_or_other_people_in_the_fixture(resolved) -> None:
    settings, _ = resolved
    con = _con(settings)
    people = con.execute(
        "select count(distinct person_id) from marts.lead_crosswalk where lead_key not like 'import:CH%'"
    ).fetchone()[0]
    # 27 distinct records; merged: A (3 records -> 1), B (2 -> 1), C (2 -> 1), E (2 -> 1)
    assert people == 27 - 2 - 1 - 1 - 1


def test_spam_is_flagged_with_reasons_and_never_merged(resolved) -> None:
    settings, _ = resolved
    con = _con(settings)
    spam = dict(
        con.execute(
            "select c.lead_key, d.spam_reasons from marts.dim_leads d join marts.lead_crosswalk c using (person_id)"
            " where d.is_spam"
        ).fetchall()
    )
    assert spam == {
        "web_form:wf_s1": "disposable_domain",
        "web_form:wf_s2": "suppression_list",
        "web_form:wf_s3": "suppression_list",
        "web_form:wf_b1": "ip_burst,gibberish_name",
        "web_form:wf_b2": "ip_burst,gibberish_name",
        "web_form:wf_b3": "ip_burst,gibberish_name",
    }
    assert _person(con, "web_form:wf_s2") != _person(con, "web_form:wf_s3")
    statuses = con.execute(
        "select distinct lead_status, disqualification_reason, is_net_new from marts.dim_leads where is_spam"
    ).fetchall()
    assert statuses == [("Disqualified", "spam", False)]
    office = con.execute(
        "select is_spam, is_role_address from marts.dim_leads where person_id = ?", [_person(con, "web_form:wf_o2")]
    ).fetchone()
    assert office == (False, True)


def test_survivorship_of_identity_source_firmographic_and_consent_fields(resolved) -> None:
    settings, _ = resolved
    con = _con(settings)
    row = con.execute(
        "select record_count, version_count, email, first_name, job_title, company_name, phone, created_at::varchar,"
        " original_lead_key, original_channel, original_utm_source, is_email_opted_out, opt_out_sources"
        " from marts.dim_leads where person_id = ?",
        [_person(con, "web_form:wf_a1")],
    ).fetchone()
    assert row == (
        3,
        4,
        # typed by the person (salesforce and web_form beat the import), the most recent one that has it
        "jsmith.home@gmail.com",
        "John",
        "Senior Engineer",  # the import's newer CTO loses
        "Acme Inc",
        "+44 20 7946 0958",  # only one record gave a phone
        "2026-01-02 10:00:00",  # earliest
        "web_form:wf_a1",
        "Webinar",
        "linkedin",  # from the earliest record, not the later Paid Search import
        True,  # the import opted out: the most restrictive wins
        "lead_record",
    )
    consent = con.execute(
        "select is_email_opted_out, opt_out_sources from marts.dim_leads where person_id = ?",
        [_person(con, "hubspot:101")],
    ).fetchone()
    assert consent == (True, "unsubscribe_activity")


def test_enrichment_fills_blanks_only_and_records_provenance(resolved) -> None:
    settings, _ = resolved
    con = _con(settings)
    row = con.execute(
        "select corporate_domain, industry, industry_source, employee_count, employee_count_source,"
        " annual_revenue, country_code, country_source, enrichment_provider from marts.dim_leads"
        " where person_id = ?",
        [_person(con, "hubspot:201")],
    ).fetchone()
    assert row == ("globex.io", "Software", "enrichment", 120, "lead", 5000000, "DE", "enrichment", "clearbit")
    peter = con.execute(
        "select country_code, country_source from marts.dim_leads where person_id = ?", [_person(con, "hubspot:203")]
    ).fetchone()
    assert peter == ("DE", "lead")


def test_existing_customers_go_to_customer_success_review(resolved) -> None:
    settings, _ = resolved
    con = _con(settings)
    rows = {
        key: con.execute(
            "select is_existing_customer, customer_match_method, customer_deal_key, lead_status, is_net_new"
            " from marts.dim_leads where person_id = ?",
            [_person(con, key)],
        ).fetchone()
        for key in ("hubspot:501", "hubspot:502", "hubspot:503", "hubspot:701")
    }
    assert rows == {
        "hubspot:501": (True, "account_domain", "hubspot:D1", "Customer Success Review", False),
        "hubspot:502": (True, "account_name", "hubspot:D1", "Customer Success Review", False),
        "hubspot:503": (True, "contact_email", "hubspot:D1", "Customer Success Review", False),
        "hubspot:701": (False, None, None, "New", True),
    }


def test_missing_qualification_fields_give_needs_info(resolved) -> None:
    settings, _ = resolved
    con = _con(settings)
    row = con.execute(
        "select lead_status, missing_fields from marts.dim_leads where person_id = ?", [_person(con, "web_form:wf_h1")]
    ).fetchone()
    assert row == ("Needs Info", "last_name,company,country")


def test_a_thousand_link_chain_is_one_person(resolved) -> None:
    settings, _ = resolved
    con = _con(settings)
    persons, records, anchor = con.execute(
        "select count(distinct person_id), count(*), min(lead_key) filter (where is_person_anchor)"
        " from marts.lead_crosswalk where lead_key like 'import:CH%'"
    ).fetchone()
    assert (persons, records, anchor) == (1, CHAIN_LINKS + 1, "import:CH0000")
    rules = dict(
        con.execute(
            "select match_rule, count(*) from marts.lead_crosswalk where lead_key like 'import:CH%' group by 1"
        ).fetchall()
    )
    # every link has an address in common with a neighbour, and email (rule 2) outranks phone (rule 4)
    assert rules == {"first_record": 1, "email": CHAIN_LINKS}


def test_every_merge_is_in_the_audit_with_the_values_that_lost(resolved) -> None:
    settings, _ = resolved
    con = _con(settings)
    audit = con.execute(
        "select match_rule, overridden_fields from marts.dq_merge_audit where lead_key = 'import:IMP-1'"
    ).fetchone()
    # the import's CTO and its plain address lost to the typed values (names differ only in case)
    assert audit == ("email", "email,first_name,last_name,job_title")
    merged = con.execute("select count(*) from marts.dq_merge_audit where lead_key not like 'import:CH%'").fetchone()
    assert merged[0] == 5  # IMP-1, 00Qa3, 102, wf_c2, IMP-2


def test_person_id_is_stable_when_new_records_arrive_and_the_older_id_survives_a_merge(resolved) -> None:
    settings, first_ids = resolved
    write_csv(
        settings.landing_dir / "leads" / "leads_2026-02.csv",
        LEAD_COLUMNS,
        [
            # a new record of person C, created *before* her first one (a backdated import)
            lead("IMP-9", "import", "2025-06-01T08:00:00Z", email="Katherine.Jones@globex.io",
                 first_name="Katherine", last_name="Jones"),
            # a record bridging Anna Lee (yahoo, older) and Anna Lee (hotmail) through a shared external id
            lead("00Qx1", "salesforce", "2026-02-02T08:00:00Z", email="anna.lee@yahoo.com", first_name="Anna",
                 last_name="Lee", external_id="EXT-ANNA"),
            lead("00Qx2", "salesforce", "2026-02-02T09:00:00Z", email="annalee77@hotmail.com", first_name="Anna",
                 last_name="Lee", external_id="EXT-ANNA"),
            lead("wf_n1", "web_form", "2026-02-03T08:00:00Z", email="new.person@acme.com", first_name="Nina",
                 last_name="Novak", company_name="Acme Inc", country="US"),
        ],
    )  # fmt: skip
    summary = run_pipeline(settings)
    assert summary.success, summary.to_json()
    con = _con(settings)
    after = dict(con.execute("select lead_key, person_id from marts.lead_crosswalk").fetchall())
    unchanged = {k: v for k, v in first_ids.items() if k != "hubspot:302"}
    assert {k: after[k] for k in unchanged} == unchanged
    # the two Annas are one person now, under the older person's id
    assert after["hubspot:302"] == after["hubspot:301"] == first_ids["hubspot:301"]
    assert after["salesforce:00Qx1"] == after["salesforce:00Qx2"] == first_ids["hubspot:301"]
    # a new record joins the existing person even though it claims an earlier creation
    assert after["import:IMP-9"] == first_ids["hubspot:201"]
    created = con.execute(
        "select created_at::varchar from marts.dim_leads where person_id = ?", [first_ids["hubspot:201"]]
    ).fetchone()[0]
    assert created == "2025-06-01 08:00:00"
    # a new person gets a new id
    assert after["web_form:wf_n1"] not in set(first_ids.values())
