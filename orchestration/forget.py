"""Right to erasure: ``leadflow forget --email X`` removes a person from the warehouse, raw data included.

The person is everyone identity resolution put together with that address (other records, other
addresses of the same person), so a forgotten person does not linger under a plus-address or an old CRM
record. Raw lead and activity rows are deleted (every version, and any rejected row that quoted the
address); deals are company records, so they stay, but lose their link to the person (lead id and
contact address set to null) and count as revenue with no lead. An audit row records when, how many
rows, and a SHA-256 of the address, never the address itself. A full run then rebuilds every model and
republishes, so the analytics file no longer holds the person either. Landing files are the customer's
own exports and are not touched: they are listed so the operator can purge them at the source (ingest
never reloads a file it has loaded). The CRM may still hold the person, so hashed keys of what was erased
go to a suppression list that ingest checks new rows against (orchestration/erasure.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from orchestration.erasure import ERASED_KEYS_DDL, ERASED_KEYS_TABLE, email_key, lead_key
from orchestration.resources import connect
from orchestration.run import run_lock
from orchestration.settings import Settings

FORGET_LOG_DDL = """
create table if not exists raw._forget_log (
    forgotten_at timestamp,
    email_sha256 varchar,
    persons integer,
    lead_rows bigint,
    activity_rows bigint,
    deals_unlinked bigint,
    rejected_rows bigint
)
"""


@dataclass
class ForgetReport:
    email_sha256: str
    persons: list[str] = field(default_factory=list)
    lead_rows: int = 0
    activity_rows: int = 0
    deals_unlinked: int = 0
    rejected_rows: int = 0
    landing_files: list[str] = field(default_factory=list)
    # False when no record held the address: nothing was erased and no audit row written
    found: bool = True

    def to_dict(self) -> dict:
        return asdict(self)


def _normalise(email: str) -> str:
    value = email.strip().lower()
    if "@" not in value:
        raise ValueError(f"{email!r} is not an email address")
    return value


def forget(settings: Settings, email: str) -> ForgetReport:
    """Delete the person behind ``email`` from raw (and log it); the caller then runs the pipeline."""
    address = _normalise(email)
    report = ForgetReport(email_sha256=hashlib.sha256(address.encode()).hexdigest())
    with run_lock(settings.state_dir), connect(settings.warehouse_path, memory_limit=settings.memory_limit) as con:
        tables = {r[0] for r in con.execute("select schema_name || '.' || table_name from duckdb_tables()").fetchall()}
        if "raw.leads" not in tables:
            raise FileNotFoundError(f"{settings.warehouse_path} has no raw data yet; nothing to forget")
        resolved = {"staging.stg_lead_versions", "marts.lead_crosswalk"} <= tables
        has_resolved_activities = (
            bool(
                con.execute(
                    "select count(*) from duckdb_views() where schema_name = 'intermediate' "
                    "and view_name = 'int_activities__resolved'"
                ).fetchone()[0]
            )
            and "staging.stg_activities" in tables
        )
        con.execute("create temp table forget_emails (email varchar)")
        con.execute("insert into forget_emails values (?)", [address])
        con.execute("create temp table forget_keys (lead_key varchar)")
        if resolved:
            # the records with the address, then every record of their persons, then those records' addresses
            con.execute(
                """
                insert into forget_keys
                select distinct v.lead_key from staging.stg_lead_versions v
                join raw.leads r on r._source_file = v.source_file and r._row_number = v.source_row_number
                where lower(trim(r.email)) in (select email from forget_emails)
                """
            )
            report.persons = sorted(
                r[0]
                for r in con.execute(
                    "select distinct person_id from marts.lead_crosswalk "
                    "where lead_key in (select lead_key from forget_keys)"
                ).fetchall()
            )
            con.execute(
                """
                insert into forget_keys
                select lead_key from marts.lead_crosswalk
                where person_id in (
                    select person_id from marts.lead_crosswalk where lead_key in (select lead_key from forget_keys)
                )
                except select lead_key from forget_keys
                """
            )
            con.execute(
                """
                insert into forget_emails
                select distinct lower(trim(r.email)) from staging.stg_lead_versions v
                join raw.leads r on r._source_file = v.source_file and r._row_number = v.source_row_number
                where v.lead_key in (select lead_key from forget_keys) and r.email is not null
                except select email from forget_emails
                """
            )
        con.execute("begin transaction")
        lead_rows = "lower(trim(email)) in (select email from forget_emails)"
        activity_rows = "lower(trim(email)) in (select email from forget_emails)"
        deal_rows = "lower(trim(contact_email)) in (select email from forget_emails)"
        activity_params: list[list[str]] = []
        if resolved:
            lead_rows += """ or (_source_file, _row_number) in (
                select (source_file, source_row_number) from staging.stg_lead_versions
                where lead_key in (select lead_key from forget_keys))"""
            # every version of the activities of those records (older versions share the activity key)
            activity_rows += """ or (_source_file, _row_number) in (
                select (source_file, source_row_number) from staging.stg_activities
                where lead_key in (select lead_key from forget_keys))
                or (source_system, activity_id) in (
                select (r.source_system, r.activity_id) from staging.stg_activities s
                join raw.activities r on r._source_file = s.source_file and r._row_number = s.source_row_number
                where s.lead_key in (select lead_key from forget_keys))"""
            deal_rows += """ or (_source_file, _row_number) in (
                select (source_file, source_row_number) from staging.stg_deal_versions
                where lead_key in (select lead_key from forget_keys))"""
            if has_resolved_activities and report.persons:
                # activities identity resolution gave the person by address (a plus-address, another spelling of
                # the mailbox), which no record of theirs holds as such
                activity_rows += """ or (source_system, activity_id) in (
                    select (r.source_system, r.activity_id) from intermediate.int_activities__resolved a
                    join staging.stg_activities s on s.activity_key = a.activity_key
                    join raw.activities r on r._source_file = s.source_file and r._row_number = s.source_row_number
                    where a.person_id in (select unnest(?::varchar[])))"""
                activity_params = [report.persons]
        rejected_rows = "exists (select 1 from forget_emails where contains(lower(cast(record as varchar)), email))"
        # every landing file holding a row about to go, so the operator can purge them at the source
        report.landing_files = sorted(
            r[0]
            for r in con.execute(
                f"""
                select _source_file from raw.leads where {lead_rows}
                union select _source_file from raw.activities where {activity_rows}
                union select _source_file from raw.deals where {deal_rows}
                union select source_file from raw._rejected_rows where {rejected_rows}
                """,
                activity_params,
            ).fetchall()
        )
        # the suppression list ingest checks new rows against, so a later export cannot bring the person back:
        # the person's addresses (those of their records, and those identity resolution tied to them by address
        # alone, such as another spelling of the mailbox) and their lead records. Not the address of every row
        # about to go: an activity of their record, or a deal, may name someone else (a colleague as the deal's
        # contact), who must not be kept out.
        now = datetime.now(UTC).replace(tzinfo=None)
        con.execute(ERASED_KEYS_DDL)
        by_address = ""
        if has_resolved_activities and report.persons:
            by_address = f"""
            union select 'email', {email_key("r.email")} from intermediate.int_activities__resolved a
            join staging.stg_activities s on s.activity_key = a.activity_key
            join raw.activities r on r._source_file = s.source_file and r._row_number = s.source_row_number
            where a.person_id in (select unnest(?::varchar[])) and a.person_link_method = 'email'"""
        con.execute(
            f"""
            create temp table forget_erased_keys as
            select 'email' as kind, {email_key("email")} as key_sha256 from raw.leads where {lead_rows}
            union select 'lead', {lead_key("source_system", "lead_id")} from raw.leads where {lead_rows}
            union select 'email', {email_key("email")} from forget_emails {by_address}
            """,
            [report.persons] if by_address else [],
        )
        con.execute(
            f"""
            insert into {ERASED_KEYS_TABLE}
            select kind, key_sha256, ? from forget_erased_keys
            where key_sha256 is not null
                and (kind, key_sha256) not in (select (kind, key_sha256) from {ERASED_KEYS_TABLE})
            """,
            [now],
        )
        report.lead_rows = con.execute(f"delete from raw.leads where {lead_rows}").fetchone()[0]
        report.activity_rows = con.execute(
            f"delete from raw.activities where {activity_rows}", activity_params
        ).fetchone()[0]
        report.deals_unlinked = con.execute(
            f"update raw.deals set lead_id = null, contact_email = null where {deal_rows}"
        ).fetchone()[0]
        report.rejected_rows = con.execute(f"delete from raw._rejected_rows where {rejected_rows}").fetchone()[0]
        if not (report.persons or report.lead_rows or report.activity_rows or report.deals_unlinked
                or report.rejected_rows):  # fmt: skip
            # nobody holds the address: no audit row, and no reason to rebuild everything
            con.execute("rollback")
            report.found = False
            return report
        if "main.leadflow_build" in tables:
            # incremental models (stg_activities) keep rows between runs: the next run, whoever starts it,
            # must rebuild them from raw, where the person no longer is
            con.execute("delete from main.leadflow_build")
        con.execute(FORGET_LOG_DDL)
        con.execute(
            "insert into raw._forget_log values (?, ?, ?, ?, ?, ?, ?)",
            [
                now,
                report.email_sha256,
                len(report.persons),
                report.lead_rows,
                report.activity_rows,
                report.deals_unlinked,
                report.rejected_rows,
            ],
        )
        con.execute("commit")
    return report
