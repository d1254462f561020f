"""`leadflow-dbt`: dbt's own command line, with partial parsing that survives a new data folder.

dbt keeps a parsed project (partial_parse.msgpack) and re-parses from scratch when the profile's
connection values change, because models may read them through ``target``. dbt-duckdb counts the
database file's ``path`` and ``config_options`` (our spill folder and memory limit) among them, so every
new data folder, hence every test, benchmark and fresh ``leadflow run``, paid a full parse (~5-8 s of CPU
on 2 cores) for a project whose models read neither (tests/test_definitions.py checks that they still do
not). Leaving the two out of the hash lets a new data folder start from the project's own parse
(:func:`seed_partial_parse`); every other connection value (database name, schema, settings, extensions,
attached files) still forces a full parse when it changes, and dbt still re-parses any changed file.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

# Connection values that only say where the files are and how much memory DuckDB may take (profiles.yml):
# nothing in models, macros or tests reads them.
LOCATION_KEYS = ("path", "config_options")
PARTIAL_PARSE_FILE = "partial_parse.msgpack"


def _install_location_free_profile_hash() -> None:
    from dbt.adapters.duckdb.credentials import DuckDBCredentials

    keys = DuckDBCredentials._connection_keys
    if getattr(keys, "leadflow_location_free", False):
        return

    def connection_keys(self: DuckDBCredentials) -> tuple[str, ...]:
        return tuple(key for key in keys(self) if key not in LOCATION_KEYS)

    connection_keys.leadflow_location_free = True  # type: ignore[attr-defined]
    DuckDBCredentials._connection_keys = connection_keys  # type: ignore[method-assign]


def seed_partial_parse(project_target: Path, target: Path) -> bool:
    """Start a target folder that has no parse of its own from the project's (written by ``leadflow-dbt
    parse`` in orchestration/project.py). dbt re-checks every file's checksum and the rest of the profile
    before trusting it, so a stale or foreign seed costs the full parse it replaces, nothing more."""
    source = project_target / PARTIAL_PARSE_FILE
    destination = target / PARTIAL_PARSE_FILE
    if destination.exists() or not source.exists():
        return False
    target.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{PARTIAL_PARSE_FILE}.{os.getpid()}")
    shutil.copyfile(source, partial)
    partial.replace(destination)  # a dbt reading the folder sees no file or a whole one
    return True


def main() -> int:
    _install_location_free_profile_hash()
    from dbt.cli.main import cli

    return cli()


if __name__ == "__main__":
    sys.exit(main())
