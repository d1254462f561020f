"""The dbt project as Dagster sees it, and the guarantee that its manifest exists before assets load.

``@dbt_assets`` reads manifest.json at import time. :func:`prepare_if_dev` only acts under ``dagster dev``,
so the CLI and the tests call :func:`ensure_manifest`, which re-parses only when a dbt file is newer
than the manifest (a no-op costs a few file stats, not dbt's 3-5 s start-up).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from orchestration.dagster_dbt_loaded import DagsterDbtProjectPreparer, DbtProject
from orchestration.settings import ROOT

DBT_SOURCE_DIRS = ("models", "macros", "seeds", "tests/dbt")
DBT_SOURCE_FILES = ("dbt_project.yml", "profiles.yml", "orchestration/dbt_cli.py")


def dbt_executable() -> str:
    """The venv's ``leadflow-dbt`` (dbt with partial parsing that survives a new data folder:
    orchestration/dbt_cli.py), else plain dbt; the venv's bin folder is not always on PATH."""
    for name in ("leadflow-dbt", "dbt"):
        candidate = Path(sys.executable).parent / name
        if candidate.exists():
            return str(candidate)
    return shutil.which("dbt") or "dbt"


def ensure_dbt_on_path() -> None:
    """Put this interpreter's bin folder on PATH, so tools started by name (by dagster dev, or a plain
    ``dbt``) are the venv's and ``.venv/bin/leadflow ui`` works without an activated virtual environment."""
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def parse_project() -> None:
    proc = subprocess.run(
        [dbt_executable(), "parse", "--project-dir", str(ROOT), "--profiles-dir", str(ROOT), "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"dbt parse failed:\n{proc.stdout}\n{proc.stderr}")


def prepare_if_dev() -> None:
    """dagster-dbt's ``DbtProject.prepare_if_dev``, parsing with leadflow-dbt: under ``dagster dev`` the project
    is re-parsed at every code load, and plain ``dbt`` would leave a parse that new data folders cannot start
    from (orchestration/dbt_cli.py). The project has no dbt packages, so preparing it is parsing it."""
    if DagsterDbtProjectPreparer().using_dagster_dev():
        parse_project()


dbt_project = DbtProject(project_dir=ROOT, profiles_dir=ROOT)


def _newest_source_mtime() -> float:
    mtimes = [(ROOT / f).stat().st_mtime for f in DBT_SOURCE_FILES]
    for folder in DBT_SOURCE_DIRS:
        mtimes += [p.stat().st_mtime for p in (ROOT / folder).rglob("*") if p.is_file()]
    return max(mtimes)


def manifest_is_stale() -> bool:
    manifest = dbt_project.manifest_path
    return not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime()


def ensure_manifest() -> Path:
    if manifest_is_stale():
        parse_project()
    return dbt_project.manifest_path
