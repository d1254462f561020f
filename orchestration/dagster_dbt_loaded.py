"""dagster-dbt, loaded in the Dagster process without dbt-core.

dagster-dbt imports dbt-core when it is imported, if dbt-core is installed (~2 s of one core here:
dbt's adapters, contracts and artifact schemas), and then uses it for one thing in a run's process:
evaluating the assets' dbt selection (``fqn:*``, every node) with dbt's graph selector (~0.5 s more).
The process never runs dbt itself: every dbt command runs in ``leadflow-dbt`` (orchestration/dbt_cli.py),
and ``LeadflowDbtCli`` reads dbt's version from the package metadata and starts no in-process adapter.
Without dbt-core, dagster-dbt takes its own documented path (the one it takes where only dbt Fusion is
installed): node types and statuses as plain string enums with dbt's values, and "every node" read from
the manifest. The asset graph is the same either way (tests/test_definitions.py compares the two), and
which dbt runs a command is unchanged: that is decided by ``_cli_version``, dbt-core's own version.

dbt-core is hidden only while dagster-dbt's modules load (its ``compat`` module asks for
``dbt.version`` once); anything importing dbt later gets it as usual. Import dagster-dbt through this
module so the first import of it in a process is this one.
"""

from __future__ import annotations

import sys

if "dagster_dbt.compat" not in sys.modules:
    _before = sys.modules.get("dbt.version")
    sys.modules["dbt.version"] = None  # type: ignore[assignment]  # `import dbt.version` raises ImportError
    try:
        import dagster_dbt.compat  # noqa: F401
    finally:
        if _before is None:
            del sys.modules["dbt.version"]
        else:
            sys.modules["dbt.version"] = _before

from dagster_dbt import (
    DagsterDbtCliRuntimeError,
    DagsterDbtTranslator,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from dagster_dbt.dbt_project import DagsterDbtProjectPreparer

__all__ = [
    "DagsterDbtCliRuntimeError",
    "DagsterDbtProjectPreparer",
    "DagsterDbtTranslator",
    "DbtCliResource",
    "DbtProject",
    "dbt_assets",
]
