"""The suppression list `leadflow forget` leaves behind, so a later export cannot bring an erased person back.

Deleting a person from raw is not enough on its own: the CRM may still hold them, and the next daily export
(or a re-compressed copy of an old one, which has a new content hash) would load them again. So `forget`
also records keys of what it erased, and ingest checks every new row against them:

- ``email``: the SHA-256 of each erased address with its plus-tag removed (``ann+news@acorp.com`` and
  ``Ann@ACorp.com`` both give the key of ``ann@acorp.com``), so the person's plus-addresses are caught too,
  as identity resolution would join them;
- ``lead``: the SHA-256 of each erased lead record's ``source_system|lead_id`` (system lower-cased, both
  trimmed), so a new version of an erased record, or an activity or deal pointing at it, is caught even
  without an address.

Hashes, not values: the list must not itself keep the person's data. A lead or activity row that matches is
rejected (``raw._rejected_rows``, with the reason and without its record, so read = loaded + rejected still
holds and nothing of the person is kept); a deal row that matches keeps its revenue and loses its link to the
person, as `forget` does to the deals it finds.

Kept in a module of its own without heavy imports: `forget` (a quick CLI command) and ingest both use it.
"""

from __future__ import annotations

import duckdb

ERASED_KEYS_TABLE = "raw._erased_keys"
ERASED_KEYS_DDL = f"""
create table if not exists {ERASED_KEYS_TABLE} (
    kind varchar,
    key_sha256 varchar,
    forgotten_at timestamp
)
"""
ERASED_REASON = "belongs to a person erased by leadflow forget (raw._forget_log); not loaded, record not kept"


def email_key(expr: str) -> str:
    """SQL: the key of an address as written in a raw column (NULL for a blank one)."""
    email = f"lower(nullif(trim({expr}), ''))"
    return (
        f"sha256(case when contains({email}, '@') then split_part(split_part({email}, '@', 1), '+', 1) || '@' || "
        f"split_part({email}, '@', 2) else {email} end)"
    )


def lead_key(source_system: str | None, lead_id: str) -> str:
    """SQL: the key of a lead record referenced by raw columns (``source_system`` may be absent from a file)."""
    system = f"lower(coalesce(trim({source_system}), ''))" if source_system else "''"
    return f"sha256({system} || '|' || nullif(trim({lead_id}), ''))"


def has_erased_keys(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any person was ever erased (ingest adds the checks only then: they hash every row). The table
    exists: ingest's ensure_raw_schema creates it."""
    return bool(con.execute(f"select count(*) from {ERASED_KEYS_TABLE}").fetchone()[0])


def erased_condition(email_column: str | None, lead_column: str | None, system_column: str | None) -> str:
    """SQL: true when a row's address or lead reference is on the suppression list (columns the file has)."""
    terms = []
    if email_column:
        terms.append(f"{email_key(email_column)} in (select key_sha256 from {ERASED_KEYS_TABLE} where kind = 'email')")
    if lead_column:
        terms.append(
            f"{lead_key(system_column, lead_column)} in "
            f"(select key_sha256 from {ERASED_KEYS_TABLE} where kind = 'lead')"
        )
    return "(" + " or ".join(terms) + ")" if terms else "false"
