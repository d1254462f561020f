"""leadflow-dbt through the prefork server (orchestration/dbt_prefork.py): the command runs in a child the server
forks, with the command's own arguments, streams, environment and exit code; without a server it runs dbt itself."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestration import dbt_prefork
from orchestration.project import dbt_executable
from orchestration.settings import ROOT


@pytest.fixture
def server() -> Iterator[str]:
    dbt_prefork.stop()  # a run earlier in this worker may have started one: this test owns its own
    name = dbt_prefork.start()
    assert name is not None
    yield name
    dbt_prefork.stop()


def listening(name: str, wait: float = 0.0) -> bool:
    """Whether a socket of this abstract name exists (Linux lists them in /proc/net/unix, '@' for the NUL),
    waiting up to ``wait`` seconds for a server still starting to bind it."""
    deadline = time.monotonic() + wait
    while not _listed(name) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _listed(name)


def _listed(name: str) -> bool:
    return any(
        line.split()[-1] == name
        for line in Path("/proc/net/unix").read_text().splitlines()[1:]
        if len(line.split()) > 7
    )


def leadflow_dbt(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([dbt_executable(), *args], capture_output=True, text=True, env=env, cwd=ROOT, check=False)


def without_server() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name != dbt_prefork.ENV}


@pytest.fixture
def dbt_unimportable(tmp_path: Path) -> str:
    """A PYTHONPATH on which ``import dbt`` fails: a command that ran dbt in its own process would fail."""
    fake = tmp_path / "fake" / "dbt"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('raise ImportError("dbt was imported by the command itself")\n')
    return str(fake.parent)


def test_the_command_runs_in_the_server_that_imported_dbt(server: str, dbt_unimportable: str) -> None:
    broken = {"PYTHONPATH": dbt_unimportable}
    alone = leadflow_dbt("--version", env={**without_server(), **broken})
    assert alone.returncode != 0 and "dbt was imported by the command itself" in alone.stderr  # the fake bites

    served = leadflow_dbt("--version", env={**os.environ, **broken})
    assert os.environ[dbt_prefork.ENV] == server
    assert served.returncode == 0, served.stderr
    assert "installed:" in served.stdout and "duckdb:" in served.stdout


def test_output_and_exit_code_are_those_of_dbt_run_alone(server: str) -> None:
    for args in (["--version"], ["no-such-command"]):
        alone = leadflow_dbt(*args, env=without_server())
        served = leadflow_dbt(*args, env=dict(os.environ))
        assert (served.returncode, served.stdout, served.stderr) == (alone.returncode, alone.stdout, alone.stderr)
    assert alone.returncode == 2 and "Usage: leadflow-dbt" in alone.stderr


def test_without_a_reachable_server_the_command_runs_dbt_itself(tmp_path: Path) -> None:
    gone = {**without_server(), dbt_prefork.ENV: str(tmp_path / "no-server.sock")}
    result = leadflow_dbt("--version", env=gone)
    assert result.returncode == 0 and "installed:" in result.stdout


def test_switched_off_no_server_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    dbt_prefork.stop()
    monkeypatch.setenv(dbt_prefork.SWITCH, "0")
    assert dbt_prefork.start() is None
    assert dbt_prefork._server is None and dbt_prefork.ENV not in os.environ


def test_the_server_ends_with_the_process_that_started_it(server: str) -> None:
    process = dbt_prefork._server
    assert process is not None and process.poll() is None
    assert server.startswith("@") and listening(server, wait=30)  # abstract: no file to leave behind
    assert leadflow_dbt("--version", env=dict(os.environ)).returncode == 0  # served: its imports are done
    dbt_prefork.stop()
    assert process.returncode == 0  # it ended on its own when its stdin closed, not killed
    assert not listening(server) and dbt_prefork.ENV not in os.environ


def test_a_killed_owner_leaves_no_server_and_no_socket_behind() -> None:
    """A run killed with SIGKILL (test_faults) runs no exit handler: the server must still end and leave nothing."""
    owner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from orchestration import dbt_prefork; import sys, time\n"
            "print(dbt_prefork.start(), dbt_prefork._server.pid, flush=True); time.sleep(600)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=without_server(),
    )
    assert owner.stdout is not None
    name, pid = owner.stdout.readline().split()
    assert listening(name, wait=30)
    owner.kill()
    owner.wait()
    deadline = time.monotonic() + 60  # the server notices once its imports are done
    while running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not running(pid), "the server outlived its owner"
    assert not listening(name)


def running(pid: str) -> bool:
    """Alive, not a zombie waiting for whichever process adopted it to reap it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
