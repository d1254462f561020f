"""dbt imported ahead: a server process that imports dbt once, then forks a child for each dbt command.

Every dbt command starts a Python process that spends its first seconds importing dbt (~3.5 s of one core
here) before it reads a file. In a run those seconds sat between the gates and the first model, while the
run's own start-up (Dagster's imports, one thread) left the second core idle. A run now starts this server
first: it imports dbt and its DuckDB adapter beside the run's start-up, then waits. When dagster-dbt starts
``leadflow-dbt``, the command hands its arguments, working folder, environment and standard streams to the
server over a Unix socket; the server forks a child that runs the command with them, and the command waits
for the child and exits with its status. dagster-dbt sees the same process, the same output on the same pipe
and the same exit code; dbt reads every project and profile file when the command runs, as before.

One server per process, started by the first run and reused by the next ones (a test worker runs many): its
imports are paid once. Without a reachable server (none started, the server gone, ``LEADFLOW_DBT_PREFORK=0``,
or not Linux: the server waits on its children through pidfds), ``leadflow-dbt`` runs dbt itself, as it
always did. The server ends when the process that started it ends (its stdin closes) and stays in that
process's group: killing a run's process group kills the server and any command it forked, as it killed dbt
before. The socket is in Linux's abstract namespace (a random name, no file): a server killed with its run
leaves nothing behind in the temp folder, and only this user's processes are served (SO_PEERCRED).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import json
import os
import secrets
import select
import signal
import socket
import struct
import subprocess
import sys
from pathlib import Path

ENV = "LEADFLOW_DBT_SOCKET"  # where this process's server listens, for the leadflow-dbt commands it starts
SWITCH = "LEADFLOW_DBT_PREFORK"  # 0: every dbt command imports dbt itself

_server: subprocess.Popen[bytes] | None = None
_socket: str | None = None


def address(name: str) -> str:
    """The socket address of a name in ``LEADFLOW_DBT_SOCKET``: ``@name`` is abstract (as ``ss`` shows it),
    anything else a path. An environment variable cannot hold the NUL that starts an abstract address."""
    return "\0" + name[1:] if name.startswith("@") else name


def start() -> str | None:
    """This process's server, started if it has none; every dbt command this process starts from now on uses it
    (the socket's name is in ``LEADFLOW_DBT_SOCKET``, which replaces one inherited from a parent process)."""
    global _server, _socket
    if os.environ.get(SWITCH) == "0" or not hasattr(os, "pidfd_open"):
        os.environ.pop(ENV, None)
        return None
    if _server is not None and _server.poll() is None and _socket is not None:
        os.environ[ENV] = _socket
        return _socket
    _socket = f"@leadflow-dbt-{os.getpid()}-{secrets.token_hex(8)}"
    _server = subprocess.Popen(
        [sys.executable, "-m", "orchestration.dbt_prefork", _socket],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parent.parent,
    )
    os.environ[ENV] = _socket
    atexit.register(stop)
    return _socket


def stop() -> None:
    global _server, _socket
    server, name, _server, _socket = _server, _socket, None, None
    if server is None or name is None:
        return
    if os.environ.get(ENV) == name:
        del os.environ[ENV]
    assert server.stdin is not None
    server.stdin.close()  # the server's signal to stop, read once its imports are done
    try:
        server.wait(timeout=5)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _warm_up() -> None:
    """What every dbt command imports before it reads a file, and the patches leadflow-dbt installs."""
    from orchestration import dbt_cli

    dbt_cli.install_patches()
    # dbt's command line, the build task, and the adapter each command registers first
    for module in ("dbt.cli.main", "dbt.task.build", "dbt.adapters.duckdb"):
        importlib.import_module(module)


def serve(name: str) -> None:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address(name))  # an abstract name: it goes when the server's last descriptor closes
    listener.listen(16)  # listening before the imports: a command that comes early waits, it is never refused
    # Ctrl-C at a terminal reaches the whole process group: the run and the command handle it, not the server
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _warm_up()
    waiting: dict[int, tuple[int, socket.socket]] = {}  # pidfd -> (child pid, its command's connection)
    while True:
        readable, _, _ = select.select([listener, sys.stdin, *waiting], [], [])
        for fd in readable:
            if fd is sys.stdin:
                if not os.read(sys.stdin.fileno(), 1):
                    gc.freeze()  # ending: no collector passes over the imported modules
                    return  # the process that started us closed our stdin, or ended
            elif fd is listener:
                conn, _ = listener.accept()
                forked = _fork_command(listener, conn)
                if forked is None:
                    conn.close()
                else:
                    waiting[os.pidfd_open(forked)] = (forked, conn)
            else:
                pid, conn = waiting.pop(fd)
                os.close(fd)
                _, status = os.waitpid(pid, 0)
                with conn:
                    _send(conn, {"exit": os.waitstatus_to_exitcode(status)})


def _fork_command(listener: socket.socket, conn: socket.socket) -> int | None:
    """Fork the child that runs the command on ``conn``; its pid, or None for a request we do not serve."""
    credentials = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    if struct.unpack("3i", credentials)[1] != os.getuid():
        return None
    _, fds, _, _ = socket.recv_fds(conn, 1, 3)
    chunks = []
    while chunk := conn.recv(1 << 16):
        chunks.append(chunk)
    if len(fds) != 3 or not chunks:
        for fd in fds:
            os.close(fd)
        return None
    request = json.loads(b"".join(chunks))
    pid = os.fork()
    if pid == 0:
        listener.close()
        _become_command(request, fds)
    for fd in fds:
        os.close(fd)
    _send(conn, {"pid": pid})
    return pid


def _become_command(request: dict, fds: list[int]) -> None:
    """In the forked child: take the command's streams, folder, environment and arguments, run dbt, exit."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = request["argv"]
    from orchestration import dbt_cli

    code = 1
    try:
        code = dbt_cli.run_here()
    except SystemExit as exc:  # click ends dbt's command line with sys.exit
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    gc.freeze()  # no collector passes over dbt's objects at this process's end (orchestration/cli.py)
    sys.exit(code)


def _send(conn: socket.socket, message: dict) -> None:
    with contextlib.suppress(OSError):  # the command is gone (killed): nobody to tell
        conn.sendall(json.dumps(message).encode() + b"\n")


def delegate(argv: list[str]) -> int | None:
    """Run this command in a forked child of the server and return its exit code; None when no server took it
    (the caller then runs dbt itself: nothing ran)."""
    name = os.environ.get(ENV)
    if not name:
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(address(name))
    except OSError:
        conn.close()
        return None
    with conn:
        socket.send_fds(conn, [b"\0"], [0, 1, 2])
        conn.sendall(json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}).encode())
        conn.shutdown(socket.SHUT_WR)
        replies = conn.makefile("rb")
        started = replies.readline()
        if not started:
            return None
        child = json.loads(started)["pid"]
        for number in (signal.SIGINT, signal.SIGTERM):
            # dagster-dbt stops the command with SIGINT; the command's work is the child's
            signal.signal(number, lambda received, _frame: _forward(child, received))
        finished = replies.readline()  # a forwarded signal interrupts the read; Python resumes it (PEP 475)
    if not finished:
        return 1  # the server ended under the command
    code = int(json.loads(finished)["exit"])
    if code < 0:  # the child was killed by a signal: so is this command, as a plain dbt would have been
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    return code


def _forward(child: int, number: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(child, number)


if __name__ == "__main__":
    serve(sys.argv[1])
