"""The Dagster instance a `leadflow run` records its events in when DAGSTER_HOME is not set.

Dagster's ephemeral instance keeps a run's events in an in-memory SQLite database and, for every event, opens a
new connection, sets two PRAGMAs on it, and for every asset check event asks SQLite whether the check table
exists. A run stores ~1,300 events (one planned and one evaluation event per dbt test, three per model), so on a
small run that bookkeeping was ~3.4 s of the Dagster process's 14.6 s of CPU (7 landing rows, three alternating
pairs in one process), which every `leadflow run` and every test run pays. This instance is
Dagster's ephemeral one with an event storage that keeps its connection open and remembers which tables exist
(they are created once, when the storage is). It also skips the ~430 "planned" events a run announces at its
start (one per model and dbt test), which only the UI and the daemon read, ~1 s of every run; the results
(materializations, check evaluations) are stored and read back as Dagster stores them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as db
from dagster import DagsterEventType, DagsterInstance, EventLogEntry
from dagster._core.instance.types import InstanceType
from dagster._core.launcher.sync_in_memory_run_launcher import SyncInMemoryRunLauncher
from dagster._core.run_coordinator import DefaultRunCoordinator
from dagster._core.storage.event_log import InMemoryEventLogStorage
from dagster._core.storage.noop_compute_log_manager import NoOpComputeLogManager
from dagster._core.storage.root import TemporaryLocalArtifactStorage
from dagster._core.storage.runs import InMemoryRunStorage

ANNOUNCEMENTS = frozenset(
    {DagsterEventType.ASSET_MATERIALIZATION_PLANNED, DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED}
)


class ReusingInMemoryEventLogStorage(InMemoryEventLogStorage):
    """Dagster's in-memory event storage, keeping one connection open for the thread that created it (the one
    that runs the job in-process) instead of opening one per call, and looking table existence up once. Other
    threads get Dagster's own per-call connections: SQLite connections cannot cross threads."""

    def __init__(self) -> None:
        super().__init__()
        self._owner = threading.get_ident()
        self._owner_conn: db.Connection | None = None
        self._tables: dict[str, bool] = {}

    @contextmanager
    def _connect(self) -> Iterator[db.Connection]:
        if threading.get_ident() != self._owner:
            with super()._connect() as conn:
                yield conn
            return
        with self._db_lock:
            if self._owner_conn is None:
                self._owner_conn = self._engine.connect()
                self._owner_conn.execute(db.text("PRAGMA foreign_keys=ON;")).close()
                self._owner_conn.commit()
            with self._owner_conn.begin():
                yield self._owner_conn

    def store_event(self, event: EventLogEntry) -> None:
        # The events that announce what a run will materialize and check exist for the UI and the daemon's
        # view of runs in progress; nothing reads them from a store that ends with its run (execution reads the
        # check results themselves). A run creates one per model and one per dbt test (~430): storing them cost
        # ~1 s of every run's start, most of it serialising each one twice.
        if event.dagster_event_type in ANNOUNCEMENTS:
            return
        super().store_event(event)

    def has_table(self, table_name: str) -> bool:
        if table_name not in self._tables:
            self._tables[table_name] = super().has_table(table_name)
        return self._tables[table_name]

    def dispose(self) -> None:
        if self._owner_conn is not None:
            self._owner_conn.close()
            self._owner_conn = None
        super().dispose()


def ephemeral_instance() -> DagsterInstance:
    """``DagsterInstance.ephemeral()`` (dagster/_core/instance/factory.py) with the storage above."""
    return DagsterInstance(
        instance_type=InstanceType.EPHEMERAL,
        local_artifact_storage=TemporaryLocalArtifactStorage(),
        run_storage=InMemoryRunStorage(),
        event_storage=ReusingInMemoryEventLogStorage(),
        compute_log_manager=NoOpComputeLogManager(),
        run_coordinator=DefaultRunCoordinator(),
        run_launcher=SyncInMemoryRunLauncher(),
    )
