"""The landing contract (docs/data-contract.md) as data, so ingest, checks and tests share one definition.

The dbt sources file lists the same columns for documentation; tests/test_definitions.py keeps the two
in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

LINEAGE_COLUMNS = ("_source_file", "_row_number", "_loaded_at", "_load_id", "_file_hash")
FILE_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".jsonl")
# What a timestamp or date value must look like: ISO-8601, a four-digit year, an offset within +-23:59 or a zone
# word. DuckDB's cast alone also takes '+25:00' (a day's shift), '0044-03-15 (BC)' and five-digit years. Ingest
# rejects a row whose value does not match (and cast), and the raw gate's suites check the same pattern, so a
# value ingest keeps never fails the gate and takes its whole file to quarantine (tests/test_quality.py).
ISO_TIMESTAMP_PATTERN = (
    r"^[ \t]*[0-9]{4}-(?:0?[1-9]|1[0-2])-(?:0?[1-9]|[12][0-9]|3[01])"
    r"(?:(?:[Tt]|[ ]+)(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:[.,][0-9]+)?)?"
    r"[ ]?(?:[Zz]|UTC|GMT|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)?)?[ \t]*$"
)


@dataclass(frozen=True)
class EntityContract:
    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    timestamps: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    one_of: tuple[str, ...] = ()
    optional: bool = False


LEADS = EntityContract(
    name="leads",
    columns=(
        "lead_id", "source_system", "created_at", "updated_at", "email", "first_name", "last_name",
        "phone", "job_title", "company_name", "company_domain", "industry", "employee_count",
        "annual_revenue", "country", "region", "lead_source", "utm_source", "utm_medium",
        "utm_campaign", "landing_page", "product_interest", "email_opt_out", "ip_address",
        "crm_status", "crm_owner_id", "external_id",
    ),
    required=("lead_id", "created_at"),
    timestamps=("created_at", "updated_at"),
)  # fmt: skip

ACTIVITIES = EntityContract(
    name="activities",
    columns=(
        "activity_id", "lead_id", "email", "source_system", "activity_type", "occurred_at", "rep_id",
        "direction", "channel", "utm_source", "utm_medium", "utm_campaign", "page_url", "outcome",
        "new_status", "reason", "rating", "due_at",
    ),
    required=("activity_id", "activity_type", "occurred_at"),
    timestamps=("occurred_at", "due_at"),
    one_of=("lead_id", "email"),
)  # fmt: skip

DEALS = EntityContract(
    name="deals",
    columns=(
        "deal_id", "lead_id", "contact_email", "account_domain", "account_name", "source_system",
        "created_at", "updated_at", "stage", "amount", "currency", "expected_close_date", "closed_at",
        "lost_reason", "owner_id", "deal_type",
    ),
    required=("deal_id", "created_at", "stage"),
    timestamps=("created_at", "updated_at", "closed_at"),
    dates=("expected_close_date",),
)  # fmt: skip

COMPANIES = EntityContract(
    name="companies",
    columns=(
        "company_domain", "industry", "employee_count", "annual_revenue", "country", "provider",
        "enriched_at",
    ),
    required=("company_domain",),
    timestamps=("enriched_at",),
    optional=True,
)  # fmt: skip

CONTRACTS: dict[str, EntityContract] = {c.name: c for c in (LEADS, ACTIVITIES, DEALS, COMPANIES)}


def unsupported_files(landing_dir: Path, entity: str) -> list[str]:
    """What sits in an entity's folder that ingest does not read (another file type, a subfolder), so a run and
    `leadflow status` can say so instead of ignoring it silently. Hidden names (.DS_Store, editors' files) are
    left alone. Nothing is logged or quarantined: an export still being written as `x.csv.tmp` must load when it
    is renamed to `x.csv`, and a logged content hash would make it look loaded already."""
    folder = landing_dir / entity
    if not folder.is_dir():
        return []
    found = []
    for p in folder.iterdir():
        if p.name.startswith("."):
            continue
        if p.is_dir():
            found.append(p.relative_to(landing_dir).as_posix() + "/")
        elif not p.name.lower().endswith(FILE_SUFFIXES):
            found.append(p.relative_to(landing_dir).as_posix())
    return sorted(found)
