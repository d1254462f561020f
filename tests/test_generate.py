"""Tests for the synthetic CRM generator (orchestration/generate.py).

Every planted defect is checked in the landing files themselves, read back the way a user's files are
read (CSV as text, Parquet typed, JSONL as raw objects), not only in the ground truth the generator
writes about itself. One size-S dataset is generated per module; the determinism test makes small ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.generate import ENTITIES, SEEDS_DIR, generate

CONTRACT = {
    "leads": ("lead_id", "source_system", "created_at", "updated_at", "email", "first_name", "last_name", "phone",
              "job_title", "company_name", "company_domain", "industry", "employee_count", "annual_revenue",
              "country", "region", "lead_source", "utm_source", "utm_medium", "utm_campaign", "landing_page",
              "product_interest", "email_opt_out", "ip_address", "crm_status", "crm_owner_id", "external_id"),
    "activities": ("activity_id", "lead_id", "email", "source_system", "activity_type", "occurred_at", "rep_id",
                   "direction", "channel", "utm_source", "utm_medium", "utm_campaign", "page_url", "outcome",
                   "new_status", "reason", "rating", "due_at"),
    "deals": ("deal_id", "lead_id", "contact_email", "account_domain", "account_name", "source_system",
              "created_at", "updated_at", "stage", "amount", "currency", "expected_close_date", "closed_at",
              "lost_reason", "owner_id", "deal_type"),
    "companies": ("company_domain", "industry", "employee_count", "annual_revenue", "country", "provider",
                  "enriched_at"),
}  # fmt: skip
NAME = re.compile(r"^(leads|activities|deals|companies)_(\d{4}-\d{2})(-\d{2})?\.(csv|csv\.gz|parquet|jsonl)$")
VALID_EMAIL = r"^[^@\s]+@[^@\s,]+\.[a-z]{2,}$"


def _reader(path: Path) -> str:
    if path.name.endswith((".csv", ".csv.gz")):
        return f"read_csv('{path}', all_varchar = true, header = true)"
    if path.name.endswith(".parquet"):
        return f"read_parquet('{path}')"
    return f"read_json_objects('{path}', format = 'newline_delimited')"


def file_columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """Column names exactly as written in the file."""
    if path.name.endswith(".jsonl"):
        rows = con.execute(f"select distinct unnest(json_keys(json)) from {_reader(path)}").fetchall()
        return [r[0] for r in rows]
    return [r[0] for r in con.execute(f"describe select * from {_reader(path)}").fetchall()]


def load_entity(con: duckdb.DuckDBPyConnection, root: Path, entity: str) -> None:
    """All files of an entity as one text table with lower-case column names, plus _file and _row."""
    parts = []
    for path in sorted((root / "landing" / entity).iterdir()):
        cols = file_columns(con, path)
        if path.name.endswith(".jsonl"):
            select = ", ".join(f"""json_extract_string(json, '$."{c}"') as "{c.lower()}" """ for c in cols)
        else:
            select = ", ".join(f'cast("{c}" as varchar) as "{c.lower()}"' for c in cols)
        parts.append(
            f"select {select}, '{entity}/{path.name}' as _file, row_number() over () as _row from {_reader(path)}"
        )
    con.execute(f"create or replace table {entity} as " + " union all by name ".join(parts))
    names = sorted(r[0] for r in con.execute(f"describe {entity}").fetchall() if not r[0].startswith("_"))
    order = ", ".join(f'"{n}"' for n in names)
    con.execute(f"create or replace table {entity} as select {order}, _file, _row from {entity}")


def connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set timezone = 'UTC'")
    return con


@dataclass
class Landing:
    root: Path
    summary: dict
    con: duckdb.DuckDBPyConnection

    def one(self, sql: str):
        return self.con.execute(sql).fetchone()[0]

    def rows(self, sql: str) -> list[tuple]:
        return self.con.execute(sql).fetchall()

    def df(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).fetchdf()


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Landing:
    root = tmp_path_factory.mktemp("generated")
    summary = generate(root, size="S", seed=42)
    con = connect()
    for entity in ENTITIES:
        load_entity(con, root, entity)
    truth = root / "ground_truth"
    con.execute(f"create table truth as select * from read_parquet('{truth / 'lead_records.parquet'}')")
    con.execute(f"create table persons as select * from read_parquet('{truth / 'persons.parquet'}')")
    for seed in ("activity_type_map", "country_aliases", "deal_stage_map", "industry_map", "reps",
                 "free_email_domains", "disposable_email_domains", "lead_source_map"):  # fmt: skip
        con.execute(
            f"create table {seed} as select * from read_csv('{SEEDS_DIR / (seed + '.csv')}', all_varchar = true)"
        )
    # Landing lead rows joined to the truth about them (same file, same position).
    con.execute("""
        create table lt as
        select l.*, t.person_id, t.is_spam, t.spam_kind, t.dup_kind, t.has_invalid_email, t.is_new_version,
               t.expected_reject_reason, t.created_at_utc, t.updated_at_utc,
               t.source_system as true_source_system, t.lead_id_true
        from leads l join truth t on t.landing_file = l._file and t.file_row = l._row
    """)
    return Landing(root, summary, con)


def _snapshot(root: Path) -> dict[str, list[tuple]]:
    con = connect()
    out = {}
    for entity in ENTITIES:
        load_entity(con, root, entity)
        out[entity] = con.execute(f"select * from {entity} order by _file, _row").fetchall()
    for name in ("lead_records", "persons", "deals"):
        out[name] = con.execute(
            f"select * from read_parquet('{root / 'ground_truth' / (name + '.parquet')}')"
        ).fetchall()
    return out


def _names(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


# --- determinism and layout ---------------------------------------------------------------------------------


def test_same_seed_gives_identical_files_and_another_seed_differs(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, n_leads=1500, seed=7)
    generate(b, n_leads=1500, seed=7)
    generate(c, n_leads=1500, seed=8)
    assert _names(a) == _names(b)
    snap_a = _snapshot(a)
    assert snap_a == _snapshot(b)
    assert (a / "ground_truth" / "manifest.json").read_text() == (b / "ground_truth" / "manifest.json").read_text()
    snap_c = _snapshot(c)
    assert all(snap_a[k] != snap_c[k] for k in snap_a)


def test_rejects_unknown_sizes_and_tiny_runs(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="size must be one of"):
        generate(tmp_path, size="XL")
    with pytest.raises(ValueError, match="at least 100"):
        generate(tmp_path, n_leads=10)


def test_files_are_monthly_then_daily_and_every_format_appears_for_every_entity(landing: Landing) -> None:
    for entity in ENTITIES:
        names = [p.name for p in (landing.root / "landing" / entity).iterdir()]
        parsed = [NAME.match(n) for n in names]
        assert all(parsed), names
        assert {m.group(4) for m in parsed} == {"csv", "csv.gz", "parquet", "jsonl"}, entity
        monthly = sorted(m.group(2) for m in parsed if not m.group(3))
        daily = sorted(m.group(2) + m.group(3) for m in parsed if m.group(3))
        assert set(daily) <= {f"2026-11-{d}" for d in range(14, 21)}
        assert set(monthly) <= {str(p) for p in pd.period_range("2025-08", "2026-11", freq="M")}
        if entity in ("leads", "activities"):  # deals and companies may have a quiet day at size S
            assert len(monthly) == 16 and len(daily) == 7


def test_every_file_has_the_contract_columns_some_in_other_case_plus_extras(landing: Landing) -> None:
    con = connect()
    odd_case = 0
    for entity in ENTITIES:
        for path in (landing.root / "landing" / entity).iterdir():
            cols = file_columns(con, path)
            lowered = {c.lower() for c in cols}
            assert set(CONTRACT[entity]) <= lowered, path.name
            odd_case += any(c != c.lower() for c in cols)
            if entity == "leads":
                assert {"hs_persona", "crm_lead_score"} <= lowered
            if entity == "activities":
                assert "campaign_member_status" in lowered
    assert odd_case >= 8
    assert "LEAD_ID" in file_columns(con, next((landing.root / "landing" / "leads").glob("leads_2025-09.*")))


def test_parquet_is_typed_jsonl_uses_json_types_csv_is_text(landing: Landing) -> None:
    con = connect()
    folder = landing.root / "landing"
    parquet = next(folder.glob("leads/*.parquet"))
    types = {r[0].lower(): r[1] for r in con.execute(f"describe select * from read_parquet('{parquet}')").fetchall()}
    assert types["created_at"] == "TIMESTAMP"
    assert types["employee_count"] == "BIGINT"
    assert types["email_opt_out"] == "BOOLEAN"
    assert types["annual_revenue"].startswith("DECIMAL")
    deals = next(folder.glob("deals/*.parquet"))
    deal_types = {r[0].lower(): r[1] for r in con.execute(f"describe select * from read_parquet('{deals}')").fetchall()}
    assert deal_types["expected_close_date"] == "DATE" and deal_types["amount"].startswith("DECIMAL")
    jsonl = next(folder.glob("leads/*.jsonl"))
    json_types = dict(
        con.execute(f"""
            select lower(key), any_value(json_type(json -> key)) from (
                select json, unnest(json_keys(json)) as key from read_json_objects('{jsonl}')
            ) where json_type(json -> key) <> 'NULL' group by key
        """).fetchall()
    )
    assert json_types["employee_count"] in ("UBIGINT", "BIGINT")
    assert json_types["email_opt_out"] == "BOOLEAN"
    assert json_types["created_at"] == "VARCHAR"
    spellings = {r[0] for r in landing.rows("select distinct email_opt_out from leads where _file like '%.csv%'")}
    assert {"true", "false", "Yes", "No", "1", "0", None} <= spellings


def test_ground_truth_has_one_row_per_landing_lead_row(landing: Landing) -> None:
    landing_rows = landing.one("select count(*) from leads")
    assert landing.one("select count(*) from truth") == landing_rows
    assert landing.one("select count(*) from lt") == landing_rows
    assert landing.summary["entities"]["leads"]["rows"] == landing_rows
    assert (
        landing.one(
            "select count(*) from lt where lead_id is distinct from lead_id_true and expected_reject_reason is null"
        )
        == 0
    )


# --- timestamps ---------------------------------------------------------------------------------------------


def test_timestamps_use_mixed_offsets_and_all_encode_the_true_instant(landing: Landing) -> None:
    styles = landing.df(r"""
        select
            count(*) filter (where regexp_matches(created_at, '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')) as zulu,
            count(*) filter (where regexp_matches(created_at, '^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d-\d\d:\d\d$'))
                as space_minus,
            count(*) filter (where regexp_matches(created_at, '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+\d\d:\d\d$')) as t_plus,
            count(*) filter (where regexp_matches(created_at, '^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d$')) as naive
        from leads where _file not like '%.parquet'
    """).iloc[0]
    assert (styles > 50).all(), styles.to_dict()
    wrong = landing.one("""
        select count(*) from lt
        where expected_reject_reason is null
          and (try_cast(trim(created_at) as timestamptz) is distinct from created_at_utc::timestamptz
               or try_cast(trim(updated_at) as timestamptz) is distinct from updated_at_utc::timestamptz)
    """)
    assert wrong == 0


# --- identity defects ---------------------------------------------------------------------------------------


def test_about_15_percent_of_persons_arrive_more_than_once(landing: Landing) -> None:
    share = landing.one("""
        select avg((n >= 2)::int) from (
            select person_id, count(distinct (true_source_system, lead_id_true)) as n from lt where not is_spam
            group by person_id)
    """)
    assert 0.12 <= share <= 0.18


def test_duplicates_by_case_whitespace_plus_address_and_source_system(landing: Landing) -> None:
    assert landing.one("select count(*) from leads where email <> trim(email)") >= 20
    assert landing.one("select count(*) from leads where email <> lower(email) and email like '%@%.%'") >= 20
    # the same address, differently written, on records of one person
    pairs = landing.one("""
        select count(*) from (
            select lower(trim(email)) as e from lt where email is not null and not is_spam
            group by 1 having count(distinct email) >= 2 and count(distinct person_id) = 1)
    """)
    assert pairs >= 20
    shared = landing.one("""
        select count(*) from (select lower(trim(email)) from lt where email is not null and not is_spam
        group by 1 having count(distinct person_id) > 1)
    """)
    assert shared == 0  # distinct real people never share an address
    plus = landing.df(r"""
        select regexp_replace(lower(trim(email)), '\+[^@]*@', '@') as base, count(distinct person_id) as persons
        from lt where regexp_matches(email, '^[^@\s]+\+[a-z0-9]+@') group by 1
    """)
    assert len(plus) >= 40 and (plus["persons"] == 1).all()
    # the plus-less address exists too
    assert (
        landing.one(r"""
        select count(*) from lt a
        join lt b on lower(trim(b.email)) = regexp_replace(lower(trim(a.email)), '\+[^@]*@', '@')
        where regexp_matches(a.email, '\+[a-z0-9]+@') and a.person_id = b.person_id
    """)
        >= 40
    )
    cross_system = landing.one("""
        select count(*) from (
            select lower(trim(email)) from lt where email is not null and not is_spam
            group by 1 having count(distinct coalesce(source_system, 'import')) >= 2)
    """)
    assert cross_system >= 100


def test_gmail_dot_and_googlemail_variants_of_one_address(landing: Landing) -> None:
    groups = landing.df("""
        with g as (
            select person_id, email, replace(split_part(lower(trim(email)), '@', 1), '.', '') || '@gmail.com' as key
            from lt where split_part(lower(trim(email)), '@', 2) in ('gmail.com', 'googlemail.com')
        )
        select key, count(distinct email) as spellings, count(distinct person_id) as persons from g
        group by key having count(distinct email) >= 2
    """)
    assert len(groups) >= 30
    assert (groups["persons"] == 1).all()
    assert landing.one("select count(*) from leads where email like '%@googlemail.com'") >= 10
    assert landing.one(r"select count(*) from leads where regexp_matches(email, '^([a-z0-9]\.){3,}[a-z0-9]+@g')") >= 1


def test_same_external_id_in_another_system_and_never_across_persons(landing: Landing) -> None:
    shared = landing.df("""
        select external_id, count(distinct coalesce(source_system, 'import')) as systems,
               count(distinct person_id) as persons, count(distinct lower(trim(email))) as emails
        from lt where external_id is not null group by 1 having count(*) >= 2
    """)
    assert (shared["persons"] == 1).all()
    assert ((shared["systems"] >= 2) & (shared["emails"] >= 2)).sum() >= 30


def test_no_email_records_match_by_full_name_and_phone_in_another_format(landing: Landing) -> None:
    matches = landing.df(r"""
        with p as (
            select *, regexp_replace(phone, '[^0-9]', '', 'g') as digits from lt where phone is not null
        )
        select a.phone as phone_a, b.phone as phone_b, a.person_id = b.person_id as same
        from p a join p b
          on lower(trim(a.first_name)) = lower(trim(b.first_name))
         and lower(trim(a.last_name)) = lower(trim(b.last_name))
         and right(a.digits, 9) = right(b.digits, 9) and a.email is null and b.email is not null
    """)
    assert len(matches) >= 30
    assert matches["same"].all()
    planted = landing.df(r"""
        select d.phone as dup_phone, o.phone as first_phone, d.first_name = o.first_name as same_first,
               d.last_name = o.last_name as same_last,
               right(regexp_replace(d.phone, '[^0-9]', '', 'g'), 9)
                   = right(regexp_replace(o.phone, '[^0-9]', '', 'g'), 9) as same_digits
        from lt d join lt o on o.person_id = d.person_id and o.dup_kind is null and not o.is_new_version
        where d.dup_kind = 'no_email_name_phone' and not d.is_new_version
    """)
    assert len(planted) >= 30 and (planted["dup_phone"] != planted["first_phone"]).all()
    assert planted["same_first"].all() and planted["same_last"].all() and planted["same_digits"].all()
    phones = {r[0] for r in landing.rows("select phone from leads where phone is not null")}
    assert any(re.fullmatch(r"\+1 \(\d{3}\) \d{3}-\d{4}", p) for p in phones)
    assert any(re.fullmatch(r"\d{3}\.\d{3}\.\d{4}", p) for p in phones)
    assert any(re.fullmatch(r"\+1\d{10}", p) for p in phones)


def test_fuzzy_name_duplicates_share_the_domain_within_jaro_winkler_thresholds(landing: Landing) -> None:
    pairs = landing.df("""
        with first_rec as (select * from lt where dup_kind is null and not is_new_version)
        select d.first_name as f2, o.first_name as f1, d.last_name as l2, o.last_name as l1,
               split_part(lower(d.email), '@', 1) as local2, split_part(lower(o.email), '@', 1) as local1,
               jaro_winkler_similarity(lower(trim(d.first_name)), lower(trim(o.first_name))) as jw_first,
               jaro_winkler_similarity(lower(trim(d.last_name)), lower(trim(o.last_name))) as jw_last,
               split_part(lower(trim(d.email)), '@', 2) = split_part(lower(trim(o.email)), '@', 2) as same_domain
        from lt d join first_rec o on o.person_id = d.person_id
        where d.dup_kind = 'domain_fuzzy_name' and not d.is_new_version and not o.has_invalid_email
    """)
    assert len(pairs) >= 40
    assert pairs["same_domain"].all()
    assert (pairs["local1"] != pairs["local2"]).all()
    assert ((pairs["f1"] != pairs["f2"]) | (pairs["l1"] != pairs["l2"])).all()
    assert (pairs["jw_first"] >= 0.85).all() and (pairs["jw_last"] >= 0.90).all()


def test_distinct_colleagues_never_look_like_duplicates(landing: Landing) -> None:
    clashes = landing.df("""
        with r as (
            select person_id, lower(trim(first_name)) as f, lower(trim(last_name)) as l,
                   split_part(lower(trim(email)), '@', 2) as domain
            from lt
            where not is_spam and not has_invalid_email and email is not null and first_name is not null
              and split_part(lower(trim(email)), '@', 2) not in (select domain from free_email_domains)
        )
        select a.domain, a.f, a.l, b.f, b.l from r a join r b
          on a.domain = b.domain and a.person_id < b.person_id
         and jaro_winkler_similarity(a.f, b.f) >= 0.85 and jaro_winkler_similarity(a.l, b.l) >= 0.90
    """)
    assert clashes.empty, clashes.head()
    colleagues = landing.one("""
        select count(*) from (select split_part(lower(trim(email)), '@', 2) as d from lt where not is_spam
        group by 1 having count(distinct person_id) >= 5)
    """)
    assert colleagues >= 20


# --- spam and hygiene ---------------------------------------------------------------------------------------


def test_invalid_disposable_and_fake_addresses(landing: Landing) -> None:
    rates = landing.df(f"""
        select avg((not regexp_matches(trim(email), '{VALID_EMAIL}', 'i'))::int) as invalid,
               avg((split_part(lower(trim(email)), '@', 2) in (select domain from disposable_email_domains))::int)
                   as disp
        from leads where email is not null
    """).iloc[0]
    assert 0.015 <= rates["invalid"] <= 0.03
    assert 0.007 <= rates["disp"] <= 0.015
    emails = {r[0] for r in landing.rows("select lower(trim(email)) from leads where email is not null")}
    assert {"test@test.com", "asdf@asdf.com"} & emails
    assert any("@@" in e for e in emails) and any(" " in e for e in emails)
    assert any(re.fullmatch(r"[^@]+@[a-z]+", e) for e in emails)
    assert (
        landing.one("select bool_and(has_invalid_email) from lt where not regexp_matches(trim(email), '@@')") is False
    )


def test_bot_bursts_from_one_ip_seconds_apart_and_real_people_never_burst(landing: Landing) -> None:
    bursts = landing.df("""
        with t as (
            select ip_address, spam_kind, created_at_utc,
                   count(*) over (partition by ip_address order by created_at_utc
                                  range between interval 120 seconds preceding and current row) as within_2min
            from lt where ip_address is not null and not is_new_version
        )
        select ip_address, max(within_2min) as burst, bool_and(spam_kind = 'bot_burst') as all_bots
        from t group by 1 having max(within_2min) >= 5
    """)
    assert len(bursts) >= 3 and bursts["all_bots"].all()
    assert (
        landing.one("select count(*) from lt where spam_kind = 'bot_burst'") / landing.one("select count(*) from lt")
        > 0.015
    )
    shared_office = landing.one("""
        select count(*) from (select ip_address from lt where not is_spam and ip_address is not null
        group by 1 having count(distinct person_id) >= 2)
    """)
    assert shared_office >= 10
    names = landing.rows("select trim(first_name), trim(last_name) from lt where spam_kind = 'bot_burst'")
    assert all(re.fullmatch(r"[A-Za-z]{4,7}", f) and re.fullmatch(r"[A-Za-z]{5,8}", last) for f, last in names)
    assert sum(f[0].isupper() and f[1:].islower() for f, _ in names) > 0.8 * len(names)
    bot_deals = landing.one("""
        select count(*) from deals d join lt on lt.lead_id = d.lead_id or lower(trim(lt.email)) = lower(d.contact_email)
        where lt.is_spam
    """)
    assert bot_deals == 0


def test_free_mail_persons_give_company_name_but_not_domain(landing: Landing) -> None:
    share = landing.one("""
        select avg((split_part(email, '@', 2) in (select domain from free_email_domains))::int)
        from persons where not is_spam
    """)
    assert 0.25 <= share <= 0.35
    free = landing.df("""
        select avg((company_name is not null)::int) as named, avg((company_domain is null)::int) as no_domain
        from lt where not is_spam and split_part(lower(trim(email)), '@', 2) in (select domain from free_email_domains)
    """).iloc[0]
    assert free["named"] > 0.7 and free["no_domain"] > 0.8


def test_firmographics_blanks_and_free_text_picklists(landing: Landing) -> None:
    blanks = landing.df("""
        select avg((company_name is null)::int) as company, avg((employee_count is null)::int) as employees,
               avg((industry is not null and lower(trim(industry)) not in (select source_value from industry_map))::int)
                   as unmapped_industry
        from lt where not is_spam
    """).iloc[0]
    assert 0.08 <= blanks["company"] <= 0.2
    assert 0.1 <= blanks["employees"] <= 0.25
    assert 0.005 <= blanks["unmapped_industry"] <= 0.02
    assert landing.one("select count(distinct industry) from leads") > 60  # free-text variants
    assert landing.one("select count(*) from leads where not regexp_matches(employee_count, '^[0-9]+$')") == 0
    countries = landing.df("select distinct country from leads where country is not null")["country"]
    aliases = {r[0] for r in landing.rows("select alias from country_aliases")}
    assert all(c.strip().lower() in aliases for c in countries)
    assert {"DEU", "GBR", "USA"} <= set(countries)
    assert {"Germany", "United Kingdom", "United States"} <= set(countries)
    assert any(c != c.strip() for c in countries) and any(c.islower() for c in countries)
    used = {c.strip().lower() for c in countries}
    assert len(used) / len(aliases) > 0.8
    assert landing.one("select count(*) from leads where region is not null") > 100
    sources = landing.df("select distinct lead_source from leads where lead_source is not null")["lead_source"]
    mapped = {r[0] for r in landing.rows("select source_value from lead_source_map")}
    assert all(s.strip().lower() in mapped for s in sources)


def test_rejected_rows_are_in_the_ground_truth_with_their_reason(landing: Landing) -> None:
    rejects = landing.df("""
        select expected_reject_reason as reason, lead_id, created_at, updated_at,
               try_cast(trim(created_at) as timestamptz) is null as bad_created,
               updated_at is not null and try_cast(trim(updated_at) as timestamptz) is null as bad_updated
        from lt where expected_reject_reason is not null
    """)
    total = landing.one("select count(*) from leads")
    assert 0.0015 <= len(rejects) / total <= 0.005
    assert set(rejects["reason"]) == {"lead_id: missing", "created_at: unparseable", "updated_at: unparseable"}
    by = rejects.groupby("reason")
    assert by.get_group("lead_id: missing")["lead_id"].isna().all()
    assert by.get_group("created_at: unparseable")["bad_created"].all()
    assert by.get_group("updated_at: unparseable")["bad_updated"].all()
    fine = landing.one("""
        select count(*) from lt where expected_reject_reason is null and (lead_id is null
            or try_cast(trim(created_at) as timestamptz) is null
            or (updated_at is not null and try_cast(trim(updated_at) as timestamptz) is null))
    """)
    assert fine == 0


def _period_start(file: str) -> str:
    """SQL for the first day of the period a landing file covers, read from its name."""
    return rf"""(case when regexp_matches({file}, '_\d{{4}}-\d\d-\d\d\.')
        then regexp_extract({file}, '_(\d{{4}}-\d\d-\d\d)\.', 1)
        else regexp_extract({file}, '_(\d{{4}}-\d\d)\.', 1) || '-01' end)::date"""


def test_later_versions_of_a_lead_are_re_exported_in_a_later_file(landing: Landing) -> None:
    versions = landing.df(f"""
        select a.lead_id, {_period_start("b._file")} > {_period_start("a._file")} as later_file,
               a.job_title is distinct from b.job_title as title_changed,
               a.crm_status is distinct from b.crm_status as status_changed,
               b.updated_at_utc > a.updated_at_utc as newer, a.created_at_utc = b.created_at_utc as same_created
        from lt a join lt b on a.lead_id = b.lead_id and coalesce(a.source_system, '') = coalesce(b.source_system, '')
        where not a.is_new_version and b.is_new_version
    """)
    assert 0.02 <= len(versions) / landing.one("select count(*) from leads") <= 0.04
    assert len(versions) == landing.one("select count(*) from lt where is_new_version")
    assert versions["later_file"].all() and versions["newer"].all() and versions["same_created"].all()
    assert versions["title_changed"].sum() >= 20 and versions["status_changed"].sum() >= 40


# --- activities ---------------------------------------------------------------------------------------------


def test_activity_volume_types_and_spellings(landing: Landing) -> None:
    per_lead = landing.one("select count(*) from activities") / landing.one("select count(*) from leads")
    assert 17 <= per_lead <= 23
    unknown = landing.one("""
        select avg((lower(trim(activity_type)) not in (select source_value from activity_type_map))::int)
        from activities
    """)
    assert 0.003 <= unknown <= 0.008
    types = {r[0] for r in landing.rows("select distinct activity_type from activities")}
    assert {"chat_started", "SMS Sent", "gift_sent"} <= types
    assert {"email_sent", "Email Sent", "email sent"} & types == {"email_sent", "Email Sent", "email sent"}
    spellings = landing.one("""
        select min(n) from (select m.activity_type, count(distinct a.activity_type) as n from activities a
        join activity_type_map m on m.source_value = lower(trim(a.activity_type)) group by 1)
    """)
    assert spellings >= 2


def test_late_arriving_activities_land_in_a_later_file(landing: Landing) -> None:
    late = landing.df(f"""
        select avg((try_cast(trim(occurred_at) as timestamptz) < {_period_start("_file")}::timestamptz)::int) as late,
               count(*) filter (where try_cast(trim(occurred_at) as timestamptz) is null) as unparsed
        from activities
    """).iloc[0]
    assert late["unparsed"] == 0
    assert 0.01 <= late["late"] <= 0.03


def test_activities_referencing_the_lead_only_by_email(landing: Landing) -> None:
    share = landing.one("select avg((lead_id is null and email is not null)::int) from activities")
    assert 0.02 <= share <= 0.04
    unmatched = landing.one("""
        select count(*) from activities a where a.lead_id is null
          and not exists (select 1 from leads l where lower(trim(l.email)) = a.email)
    """)
    assert unmatched == 0
    assert landing.one("select count(*) from activities where lead_id is null and email is null") == 0


def test_rep_work_status_changes_tasks_feedback_and_web_signals(landing: Landing) -> None:
    a = landing.con
    a.execute("""
        create or replace temp table acts as
        select a.*, m.activity_type as kind, try_cast(trim(occurred_at) as timestamptz) as occurred,
               try_cast(trim(due_at) as timestamptz) as due
        from activities a left join activity_type_map m on m.source_value = lower(trim(a.activity_type))
    """)
    statuses = {r[0] for r in a.execute("select distinct new_status from acts where kind = 'status_change'").fetchall()}
    assert {"Contacted", "Engaged", "MQL", "SAL", "SQL", "Disqualified", "In Nurture"} <= statuses
    assert (
        a.execute("select count(*) from acts where new_status = 'Disqualified' and reason is null").fetchone()[0] == 0
    )
    assert (
        a.execute("select count(*) from acts where kind = 'sales_rejected' and reason is not null").fetchone()[0] > 10
    )
    assert a.execute("select count(*) from acts where kind = 'sales_accepted'").fetchone()[0] > 50
    due = a.execute("""
        select count(*) filter (where due > timestamptz '2026-11-21 00:00:00+00'),
               count(*) filter (where due < timestamptz '2026-11-21 00:00:00+00')
        from acts where kind = 'task_scheduled'
    """).fetchone()
    assert due[0] >= 10 and due[1] >= 100
    ratings = {r[0] for r in a.execute("select distinct rating from acts where kind = 'sdr_feedback'").fetchall()}
    assert ratings == {"1", "2", "3", "4", "5"}
    for kind in ("email_bounce", "unsubscribe", "meeting_booked", "meeting_held", "linkedin_message", "demo_request"):
        assert a.execute(f"select count(*) from acts where kind = '{kind}'").fetchone()[0] > 5, kind
    assert a.execute("select count(*) from acts where page_url like '%/pricing%'").fetchone()[0] > 300
    assert (
        a.execute("""
        select count(*) from acts where kind = 'paid_click' and utm_source is not null and utm_campaign is not null
    """).fetchone()[0]
        > 100
    )
    assert {r[0] for r in a.execute("select distinct direction from acts").fetchall()} == {"inbound", "outbound", None}
    assert a.execute("select count(distinct channel) from acts").fetchone()[0] >= 8


def test_owners_are_active_sdrs_of_the_leads_region_with_their_own_speed(landing: Landing) -> None:
    owners = landing.df("""
        select l.crm_owner_id, r.role, r.team, r.active_from::date as active_from, r.active_to::date as active_to,
               l.created_at_utc, c.region, l.is_new_version
        from lt l join reps r on r.rep_id = l.crm_owner_id
        left join country_aliases c on c.alias = lower(trim(l.country))
        where l.crm_owner_id is not null
    """)
    assert len(owners) > 1000 and (owners["role"] == "sdr").all()
    first = owners[~owners["is_new_version"]]
    created = first["created_at_utc"].dt.date
    assert (created >= first["active_from"]).all()
    assert (first["active_to"].isna() | (created <= first["active_to"])).all()
    known = first[first["region"].notna()]
    expected = known["region"].map({"NA": "na_sdr", "EMEA": "emea_sdr", "APAC": "apac_sdr", "LATAM": "apac_sdr"})
    assert (known["team"] == expected).mean() > 0.85  # the rest moved country since the CRM assigned them
    speed = landing.df("""
        with touches as (
            select a.lead_id, a.rep_id, try_cast(trim(a.occurred_at) as timestamptz) as touched
            from activities a join activity_type_map m on m.source_value = lower(trim(a.activity_type))
            where m.activity_type in ('email_sent', 'call') and a.direction = 'outbound' and a.rep_id is not null
        ), first_touch as (
            select lead_id, arg_min(rep_id, touched) as rep_id, min(touched) as touched from touches group by 1
        ), leads as (
            select lead_id, min(created_at_utc) as created from lt where lead_id is not null group by 1
        )
        select f.rep_id, median(epoch(f.touched) - epoch(l.created::timestamptz)) / 60 as minutes, count(*) as n
        from first_touch f join leads l using (lead_id) group by 1 having count(*) >= 20 order by 2
    """)
    assert len(speed) >= 8
    assert speed["minutes"].iloc[-1] >= 4 * speed["minutes"].iloc[0]
    assert (speed["minutes"] > 0).all()


# --- deals ------------------------------------------------------------------------------------------------


def test_deal_versions_stages_and_fields(landing: Landing) -> None:
    con = landing.con
    con.execute("""
        create or replace temp table dv as
        select d.*, m.deal_stage, try_cast(trim(d.updated_at) as timestamptz) as version_at
        from deals d join deal_stage_map m on m.source_value = lower(trim(d.stage))
    """)
    assert (
        con.execute("select count(*) from dv").fetchone()[0] == con.execute("select count(*) from deals").fetchone()[0]
    )
    last = con.execute("""
        select deal_id, count(*) as versions, arg_max(deal_stage, version_at) as final,
               count(distinct amount) as amounts, count(*) - count(distinct _file) as same_file_versions
        from dv group by 1
    """).fetchdf()
    n_deals = len(last)
    assert 0.08 <= n_deals / con.execute("select count(distinct lead_id_true) from lt").fetchone()[0] <= 0.12
    assert ((last["versions"] >= 3) & (last["final"] == "Won")).any()
    assert ((last["versions"] >= 2) & (last["final"] == "Lost")).any()
    closed = last[last["final"].isin(["Won", "Lost"])]
    assert 0.2 <= (closed["final"] == "Won").mean() <= 0.3
    assert (last["amounts"] >= 2).sum() >= 20
    assert (last["same_file_versions"] >= 1).sum() >= 20
    skipped = con.execute("""
        select count(*) from (select deal_id from dv group by 1
        having bool_or(deal_stage = 'Won') and not bool_or(deal_stage = 'Proposal'))
    """).fetchone()[0]
    assert skipped >= 5
    only_email = con.execute("""
        select count(distinct deal_id) filter (where lead_id is null and contact_email is not null),
               count(distinct deal_id) filter (where lead_id is null and contact_email <> lower(contact_email)),
               count(distinct deal_id) filter (where lead_id is null and contact_email is null)
        from deals
    """).fetchone()
    assert 0.1 <= only_email[0] / n_deals <= 0.2 and only_email[1] >= 5 and only_email[2] == 0
    checks = con.execute("""
        select count(*) filter (where deal_stage = 'Lost' and lost_reason is null),
               count(*) filter (where deal_stage in ('Won', 'Lost') and closed_at is null),
               count(*) filter (where deal_stage not in ('Won', 'Lost') and closed_at is not null),
               count(*) filter (where owner_id not in (select rep_id from reps where role = 'ae')),
               count(*) filter (where account_domain is null or account_name is null),
               count(*) filter (where try_cast(expected_close_date as date) is null)
        from dv
    """).fetchone()
    assert checks == (0, 0, 0, 0, 0, 0)
    currencies = {r[0] for r in con.execute("select distinct currency from deals").fetchall()}
    assert {"USD", "EUR", "GBP"} <= currencies
    types = dict(con.execute("select deal_type, count(distinct deal_id) from deals group by 1").fetchall())
    assert types["new_business"] > types.get("expansion", 0) + types.get("renewal", 0) > 0


def test_existing_customer_deals_are_expansions_or_renewals(landing: Landing) -> None:
    mismatched = landing.one("""
        select count(*) from deals d join lt on lt.lead_id = d.lead_id and not lt.is_new_version
        join persons p on p.person_id = lt.person_id
        where (p.is_existing_customer and d.deal_type = 'new_business')
           or (not p.is_existing_customer and d.deal_type <> 'new_business')
    """)
    assert mismatched == 0
    assert landing.one("select count(*) from persons where is_existing_customer") > 50


# --- what analysts will measure -------------------------------------------------------------------------------


def test_fewer_leads_at_weekends_and_in_december(landing: Landing) -> None:
    days = landing.df("""
        select created_at_utc::date as day, count(*) as n from lt
        where not is_new_version and not is_spam and created_at_utc < '2026-11-01' group by 1
    """)
    days["day"] = pd.to_datetime(days["day"])
    weekend = days["day"].dt.dayofweek >= 5
    assert days.loc[weekend, "n"].mean() < 0.6 * days.loc[~weekend, "n"].mean()
    per_month = days.groupby(days["day"].dt.to_period("M"))["n"].sum()
    assert per_month[pd.Period("2025-12")] < 0.8 * min(per_month[pd.Period("2025-09")], per_month[pd.Period("2026-03")])


def test_propensity_separates_winners_and_high_intent_comes_before_the_deal(landing: Landing) -> None:
    persons = landing.df("select person_id, true_propensity, is_won from persons where not is_spam")
    quintile = pd.qcut(persons["true_propensity"], 5, labels=False)
    rates = persons.groupby(quintile)["is_won"].mean()
    assert rates[4] >= 3 * rates[0] and rates[4] > 0.05
    intent = landing.df("""
        with first_deal as (
            select lead_id, min(try_cast(trim(created_at) as timestamptz)) as deal_at from deals
            where lead_id is not null group by 1
        )
        select lt.person_id, count(a.activity_id) as n
        from lt left join first_deal d on d.lead_id = lt.lead_id
        left join activities a on a.lead_id = lt.lead_id
             and try_cast(trim(a.occurred_at) as timestamptz) < coalesce(d.deal_at, timestamptz '2100-01-01')
             and exists (select 1 from activity_type_map m where m.source_value = lower(trim(a.activity_type))
                         and m.activity_type in ('demo_request', 'pricing_page_view', 'webinar_attendance',
                                                 'email_reply'))
        where not lt.is_new_version and not lt.is_spam group by 1
    """).merge(persons, on="person_id")
    by_quintile = intent.groupby(pd.qcut(intent["true_propensity"], 5, labels=False))["n"].mean()
    assert by_quintile[4] >= 2 * by_quintile[0]


def test_companies_enrich_about_70_percent_of_corporate_domains_once(landing: Landing) -> None:
    companies = landing.df("select company_domain, provider from companies")
    assert companies["company_domain"].is_unique
    assert set(companies["provider"]) == {"clearbit", "zoominfo"}
    seen = landing.one("""
        select count(distinct account_domain) from persons
        where account_domain is not null
          and person_id in (select person_id from lt where expected_reject_reason is null)
    """)
    assert 0.6 <= len(companies) / seen <= 0.8
    assert landing.one("select count(*) from companies where try_cast(trim(enriched_at) as timestamptz) is null") == 0


def test_sizes_beyond_l_get_as_many_distinct_companies_as_they_need() -> None:
    """Two- and three-syllable names give ~266k companies; a 3M-lead run needs ~480k, XL ~2M. The generator used to
    crash there (numpy: cannot take a larger sample than population)."""
    import numpy as np

    from orchestration.generate import SYLLABLES, load_seeds, make_accounts

    n = len(SYLLABLES) ** 2 + len(SYLLABLES) ** 3 + 1
    accounts = make_accounts(np.random.default_rng(1), load_seeds(), n)
    domains = pd.Series(np.asarray(accounts.domain, dtype=object))
    names = pd.Series(np.asarray(accounts.name, dtype=object))
    assert len(domains) == n and domains.is_unique and names.is_unique
    brands = domains.str.extract(r"^([a-z]+)\.")[0]
    assert brands.notna().all() and brands.str.len().between(4, 32).all()
