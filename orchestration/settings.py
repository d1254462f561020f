"""Where leadflow reads and writes, resolved once from environment variables.

Every path has a default under ``data/`` so ``make demo`` needs no configuration, and every one can be
moved with an environment variable (documented in docs/configuration.md) so a team can point the
warehouse at a mounted landing share or a bigger disk. Relative paths are taken from the current
directory, as a CLI user expects; dbt runs in the project folder, so :meth:`Settings.export` hands it
absolute paths.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _path(name: str, default: str | Path) -> Path:
    return Path(os.environ.get(name) or default).expanduser().resolve()


class SetupError(Exception):
    """The environment is unusable (a folder cannot be written): the message names the setting to fix."""


# DuckDB's size syntax (memory_limit, max_temp_directory_size): a number and a unit, or a share of RAM
MEMORY_SIZE = re.compile(r"\s*\d+(\.\d+)?\s*([kmgt]i?b|b|bytes|%)?\s*", re.IGNORECASE)


MAX_DEFAULT_MEMORY_BYTES = 12 * 10**9


def default_memory_limit() -> str:
    """12GB, or half the machine's memory when that is less: on an 8 GB laptop a 12GB limit lets DuckDB take more
    memory than there is, and the system swaps or kills the run where DuckDB would have spilled to disk.
    (12GB is about half of the 24 GiB machines leadflow is measured on.)"""
    try:
        half = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (AttributeError, ValueError, OSError):
        return "12GB"
    return "12GB" if half >= MAX_DEFAULT_MEMORY_BYTES else f"{half // 10**6}MB"


def _memory_setting(name: str, default: str) -> str:
    """Checked here: DuckDB's own error for a bad size ("Memory must have a number") came once per step of a
    run, without the variable's name."""
    value = os.environ.get(name, default)
    if value and not MEMORY_SIZE.fullmatch(value):
        raise SetupError(f"{name} = {value!r} is not a size: expected a number and a unit such as 12GB or 512MB")
    return value


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    landing_dir: Path
    warehouse_path: Path
    analytics_path: Path
    quarantine_dir: Path
    state_dir: Path
    temp_dir: Path
    reports_dir: Path
    memory_limit: str
    gx_max_rows: int
    # DuckDB's cap on spilled data in temp_dir; "" lets DuckDB use 90% of the free space there.
    max_temp_size: str = ""
    pii_masked: bool = False
    pii_salt: str = ""

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = _path("LEADFLOW_DATA_DIR", "data")
        return cls(
            data_dir=data_dir,
            landing_dir=_path("LEADFLOW_LANDING_DIR", data_dir / "landing"),
            warehouse_path=_path("LEADFLOW_WAREHOUSE_PATH", data_dir / "warehouse.duckdb"),
            analytics_path=_path("LEADFLOW_ANALYTICS_PATH", data_dir / "analytics.duckdb"),
            quarantine_dir=_path("LEADFLOW_QUARANTINE_DIR", data_dir / "quarantine"),
            state_dir=_path("LEADFLOW_STATE_DIR", data_dir / ".leadflow"),
            temp_dir=_path("LEADFLOW_TEMP_DIR", data_dir / "tmp"),
            # beside the data folder, not in it: reports are kept when the data is regenerated
            reports_dir=_path("LEADFLOW_REPORTS_DIR", data_dir.parent / "reports"),
            memory_limit=_memory_setting("LEADFLOW_MEMORY_LIMIT", default_memory_limit()),
            gx_max_rows=int(os.environ.get("LEADFLOW_GX_MAX_ROWS", "250000")),
            max_temp_size=_memory_setting("LEADFLOW_MAX_TEMP_SIZE", ""),
            pii_masked=os.environ.get("LEADFLOW_PII_MASKED") == "1",
            pii_salt=os.environ.get("LEADFLOW_PII_SALT", ""),
        )

    def export(self) -> None:
        """Publish the resolved values to the environment that the dbt subprocess inherits."""
        os.environ.update(
            {
                "LEADFLOW_DATA_DIR": str(self.data_dir),
                "LEADFLOW_LANDING_DIR": str(self.landing_dir),
                "LEADFLOW_WAREHOUSE_PATH": str(self.warehouse_path),
                "LEADFLOW_ANALYTICS_PATH": str(self.analytics_path),
                "LEADFLOW_QUARANTINE_DIR": str(self.quarantine_dir),
                "LEADFLOW_STATE_DIR": str(self.state_dir),
                "LEADFLOW_TEMP_DIR": str(self.temp_dir),
                "LEADFLOW_REPORTS_DIR": str(self.reports_dir),
                "LEADFLOW_MEMORY_LIMIT": self.memory_limit,
            }
        )
        # unset, profiles.yml passes -1 to dbt's DuckDB: no cap of its own, the disk itself is the limit
        if self.max_temp_size:
            os.environ["LEADFLOW_MAX_TEMP_SIZE"] = self.max_temp_size

    def ensure_dirs(self) -> None:
        """Create the working folders and prove each is writable, naming the variable to fix if not: a run that
        found out halfway (DuckDB spilling to an unusable temp folder) would fail far from the cause."""
        folders = {
            "LEADFLOW_DATA_DIR": self.data_dir,
            "LEADFLOW_STATE_DIR": self.state_dir,
            "LEADFLOW_TEMP_DIR": self.temp_dir,
            "LEADFLOW_QUARANTINE_DIR": self.quarantine_dir,
            "LEADFLOW_WAREHOUSE_PATH (its folder)": self.warehouse_path.parent,
            "LEADFLOW_ANALYTICS_PATH (its folder)": self.analytics_path.parent,
        }
        for variable, path in folders.items():
            probe = path / f".leadflow-write-probe-{os.getpid()}"
            try:
                path.mkdir(parents=True, exist_ok=True)
                probe.write_bytes(b"ok")
                probe.unlink()
            except OSError as exc:
                raise SetupError(
                    f"{variable} = {path} is not a writable folder ({exc.strerror or exc}); "
                    "point it at a folder leadflow may write to."
                ) from None
