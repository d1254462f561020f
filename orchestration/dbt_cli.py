"""`leadflow-dbt`: dbt's own command line, with partial parsing that survives a new data folder.

dbt keeps a parsed project (partial_parse.msgpack) and re-parses from scratch when the profile's
connection values change, because models may read them through ``target``. dbt-duckdb counts the
database file's ``path`` and ``config_options`` (our spill folder and memory limit) among them, so every
new data folder, hence every test, benchmark and fresh ``leadflow run``, paid a full parse (~5-8 s of CPU
on 2 cores) for a project whose models read neither (tests/test_definitions.py checks that they still do
not). Leaving the two out of the hash lets a new data folder start from the project's own parse
(:func:`seed_partial_parse`); every other connection value (database name, schema, settings, extensions,
attached files) still forces a full parse when it changes, and dbt still re-parses any changed file.

It also keeps dbt's logging to what is read. dbt's own log file (dbt.log) is off unless
``DBT_LOG_LEVEL_FILE`` asks for it: every line it would hold at info level is in leadflow's run log already
(dagster-dbt copies dbt's output there), and at dbt's default, debug, it serialised every SQL statement and
connection event to JSON (~10 MB a small run). And a debug event that no logger will write is dropped
before dbt turns it into a protobuf message, which dbt does for every event (three debug events per SQL
statement, more than 8,000 in a build on 7 rows, against 858 at info). On 7 landing rows, where a build is
all fixed cost, ``dbt build`` took 51.4 s with both and 40.1 s without (two alternating rounds; the log file
alone 46.5 s): every test run pays it.
``DBT_LOG_LEVEL_FILE=debug`` (or ``--debug``) brings the statements back.

Two more fixed costs of every node go: an event's protobuf message is built when the event is first read
(the dropped debug events never are), and one agate type tester serves every query result with the same
text columns instead of a new one per result. With macros/persist_docs.sql (no second column lookup per
model) and the challenger importing scikit-learn only to fit, ``dbt build`` on 7 rows went from 38.3 s to
32.1 s of CPU (alternating runs). dbt's output is unchanged: same 858 events, same fields.

And it schedules the staging layer first (:func:`_install_priority_scheduling`): with one thread, dbt ran
ready nodes in the order they became ready, so intermediate models ran between staging models and their
tests; now staging is built and tested before any model built on it starts.
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
from pathlib import Path
from typing import Any

# Connection values that only say where the files are and how much memory DuckDB may take (profiles.yml):
# nothing in models, macros or tests reads them.
LOCATION_KEYS = ("path", "config_options")
PARTIAL_PARSE_FILE = "partial_parse.msgpack"
# Callbacks dbt registers on every event that act only on warnings (dbt/events/logging.py): a debug event is
# nothing to them.
READ_ONLY_CALLBACKS = ("track_behavior_change_warn",)


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


def _install_unread_debug_event_skip() -> None:
    from dbt_common.events.base_types import BaseEvent, EventLevel
    from dbt_common.events.event_manager import EventManager

    fire_event = EventManager.fire_event
    if getattr(fire_event, "leadflow_skips_unread_debug", False):
        return

    def skipping_fire_event(
        self: EventManager,
        e: BaseEvent,
        level: EventLevel | None = None,
        node: Any = None,
        force_warn_or_error_handling: bool = False,
    ) -> None:
        if (
            (level or e.level_tag()) == EventLevel.DEBUG
            and not force_warn_or_error_handling
            and all(logger.level != EventLevel.DEBUG for logger in self.loggers)
            and all(getattr(callback, "__name__", "") in READ_ONLY_CALLBACKS for callback in self.callbacks)
        ):
            return
        fire_event(self, e, level=level, node=node, force_warn_or_error_handling=force_warn_or_error_handling)

    skipping_fire_event.leadflow_skips_unread_debug = True  # type: ignore[attr-defined]
    EventManager.fire_event = skipping_fire_event  # type: ignore[method-assign]


def _install_lazy_event_messages() -> None:
    """An event's protobuf message is built when something first reads the event, not in its constructor:
    the debug events the skip above drops are never read, and building them was ~3 s of a tiny build."""
    from dbt_common.events.base_types import BaseEvent

    build = BaseEvent.__init__
    if getattr(build, "leadflow_lazy", False):
        return
    read = BaseEvent.__getattr__
    write = BaseEvent.__setattr__

    def _built(event: BaseEvent) -> None:
        pending = event.__dict__.pop("_leadflow_pending", None)
        if pending is not None:
            build(event, *pending[0], **pending[1])

    def lazy_init(self: BaseEvent, *args: Any, **kwargs: Any) -> None:
        object.__setattr__(self, "_leadflow_pending", (args, kwargs))

    def lazy_getattr(self: BaseEvent, key: str) -> Any:
        _built(self)
        return read(self, key)

    def lazy_setattr(self: BaseEvent, key: str, value: Any) -> None:
        _built(self)
        write(self, key, value)

    lazy_init.leadflow_lazy = True  # type: ignore[attr-defined]
    BaseEvent.__init__ = lazy_init  # type: ignore[method-assign]
    BaseEvent.__getattr__ = lazy_getattr  # type: ignore[method-assign]
    BaseEvent.__setattr__ = lazy_setattr  # type: ignore[method-assign]


def _install_shared_type_testers() -> None:
    """dbt builds a new agate type tester for every query result it reads (dbt_common's agate_helper), and
    each one compiles parsedatetime's locale regexes again (~1.3 s of a tiny build). A tester holds only
    its configuration, so one per set of text columns serves every result."""
    from functools import lru_cache

    from dbt_common.clients import agate_helper

    if hasattr(agate_helper.build_type_tester, "cache_info"):
        return
    build = agate_helper.build_type_tester

    @lru_cache(maxsize=256)
    def cached(text_columns: tuple[str, ...], string_null_values: tuple[str, ...] | None) -> Any:
        return build(text_columns, string_null_values=string_null_values)

    def shared(text_columns: Any, string_null_values: Any = ("null", "")) -> Any:
        return cached(tuple(text_columns), None if string_null_values is None else tuple(string_null_values))

    shared.cache_info = cached.cache_info  # type: ignore[attr-defined]
    agate_helper.build_type_tester = shared  # type: ignore[assignment]


FIRST_LAYER = "staging"  # models/staging: its models and their tests run before anything built on them


def _in_first_layer(manifest: Any, uid: str) -> bool:
    """A seed, a model of the first layer, or a test that reads only those and sources (a test's own depth in
    the graph would let it wait behind an intermediate model as deep as it)."""
    node = manifest.nodes.get(uid)
    if node is None:
        return uid.startswith("source.")  # the raw tables a reconciliation test reads
    kind = str(node.resource_type)
    if kind.endswith("seed"):
        return True
    if kind.endswith("model"):
        return len(node.fqn) > 2 and node.fqn[1] == FIRST_LAYER
    if kind.endswith("test"):
        return all(_in_first_layer(manifest, parent) for parent in node.depends_on.nodes)
    return False


def _install_priority_scheduling() -> None:
    """dbt takes a node off its priority queue as soon as the node's parents are done and hands it to the
    thread pool, whose own queue is first come, first served: with one thread, nodes ran in the order they
    became ready, and the priority (a node's depth in the graph) only ordered nodes that became ready at the
    same moment. So on L a staging model's tests waited behind an intermediate model (int_leads__validated,
    ~5 s) that had become ready first. Here a node is taken off the queue only when a thread is free to run
    it, so the queue's priority decides among everything ready by then, and the priority puts the staging
    layer (seeds, staging models, their tests) before everything else, then dbt's depth: staging is built and
    tested as early as it can be, and a failing staging test is known before the work built on it starts.
    Which nodes run, and after which parents, is dbt's as before: only the order of ready nodes changes."""
    import threading

    from dbt.graph.queue import GraphQueue
    from dbt.task.build import BuildTask
    from dbt.task.runnable import GraphRunnableTask

    scores = GraphQueue.__dict__["_get_scores"]
    if not getattr(scores, "leadflow_layer_first", False):

        def layer_first_scores(self: Any, graph: Any, _scores: Any = scores) -> dict[str, Any]:
            return {
                uid: (0 if _in_first_layer(self.manifest, uid) else 1, depth)
                for uid, depth in _scores(self, graph).items()
            }

        layer_first_scores.leadflow_layer_first = True  # type: ignore[attr-defined]
        GraphQueue._get_scores = layer_first_scores  # type: ignore[method-assign]

    for task in (GraphRunnableTask, BuildTask):
        handle = task.__dict__["handle_job_queue"]
        if getattr(handle, "leadflow_waits_for_a_thread", False):
            continue

        def waiting_handle(self: Any, pool: Any, callback: Any, _handle: Any = handle) -> None:
            slots = self.__dict__.get("_leadflow_free_threads")
            if slots is None:
                slots = self._leadflow_free_threads = threading.BoundedSemaphore(max(1, int(self.config.threads)))
            slots.acquire()
            held = True

            def release() -> None:
                nonlocal held
                if held:
                    held = False
                    slots.release()

            def released_callback(result: Any) -> None:
                try:
                    callback(result)
                finally:
                    release()

            try:
                _handle(self, pool, released_callback)
            except BaseException:
                release()
                raise

        waiting_handle.leadflow_waits_for_a_thread = True  # type: ignore[attr-defined]
        task.handle_job_queue = waiting_handle  # type: ignore[method-assign]


def install_patches() -> None:
    _install_location_free_profile_hash()
    _install_unread_debug_event_skip()
    _install_lazy_event_messages()
    _install_shared_type_testers()
    _install_priority_scheduling()


def run_here() -> int:
    """dbt's command line in this process, with the patches above."""
    install_patches()
    os.environ.setdefault("DBT_LOG_LEVEL_FILE", "none")
    from dbt.cli.main import cli

    # named by the command, not by the interpreter's __main__ (in a forked child, the prefork server's module)
    return cli(prog_name=Path(sys.argv[0]).name)


def main() -> int:
    # within a run, a server that imported dbt ahead runs the command (orchestration/dbt_prefork.py)
    from orchestration.dbt_prefork import delegate

    code = delegate(sys.argv)
    if code is not None:
        return code
    try:
        return run_here()
    finally:
        # the process ends here: no collector passes over dbt's objects at shutdown (orchestration/cli.py)
        gc.freeze()


if __name__ == "__main__":
    sys.exit(main())
