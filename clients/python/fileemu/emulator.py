"""Start the fileemu binary, or connect to a running emulator by URL."""

from __future__ import annotations

import collections
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Sequence
from typing import Any

from .admin import Admin
from .errors import AdminError, StartError
from .session import Session, session_id


class Emulator:
    """A running emulator: ``url`` is its base URL, ``admin`` its admin client. Made by
    ``start()`` (which owns the process) or ``connect()``; a context manager."""

    def __init__(self, url: str, admin_token: str | None = None,
                 process: subprocess.Popen[bytes] | None = None, announce: dict[str, Any] | None = None) -> None:
        self.url = url.rstrip("/")
        self.admin = Admin(self.url, admin_token)
        self.process = process
        # The binary's "fileemu listening" log record when started here: addr, urls per API...
        self.announce: dict[str, Any] = announce or {}
        self._log: collections.deque[str] = collections.deque(maxlen=200)
        self._sessions: list[Session] = []

    def __repr__(self) -> str:
        return f"Emulator({self.url})"

    def session(self, name: str = "") -> Session:
        """Creates an isolated session named after ``name`` (a test's name) plus a random
        suffix; close it (or use ``with``) to drop it."""
        s = Session(self.url, self.admin, self.admin.create_session(session_id(name)).id)
        # Kept to be dropped on close; those closed already go (a run may make thousands).
        self._sessions = [x for x in self._sessions if not x.closed] + [s]
        return s

    def health(self) -> dict[str, Any]:
        """GET /__admin/health."""
        return self.admin.health()

    def log(self) -> list[str]:
        """The last lines the started binary logged (empty when connected by URL)."""
        return list(self._log)

    def close(self, timeout: float = 10.0) -> None:
        """Drops the sessions still open, and stops the binary if this started it: SIGTERM,
        then SIGKILL after ``timeout`` seconds."""
        sessions, self._sessions = self._sessions, []
        for s in sessions:
            if not s.closed:
                try:
                    s.close()
                except AdminError:
                    pass  # the emulator is going away or the session was dropped already
        p = self.process
        if p is None or p.poll() is not None:
            return
        p.terminate()
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def __enter__(self) -> "Emulator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(url: str, admin_token: str | None = None, *, wait: float = 0.0) -> Emulator:
    """An emulator already running at ``url`` (e.g. a service container). With ``wait``, its
    health is polled for up to that many seconds first."""
    emu = Emulator(url, admin_token)
    if wait > 0:
        _wait_healthy(emu, time.monotonic() + wait, None)
    return emu


def find_binary(binary: str | None = None) -> str:
    """The fileemu binary: ``binary``, else $FILEEMU_BIN, else ``fileemu`` on PATH."""
    cand = binary or os.environ.get("FILEEMU_BIN") or shutil.which("fileemu")
    if not cand:
        raise StartError("fileemu binary not found: set FILEEMU_BIN, put fileemu on PATH, or pass binary= (make build writes bin/fileemu)")
    if not (os.path.isfile(cand) and os.access(cand, os.X_OK)):
        raise StartError(f"fileemu binary {cand!r} is not an executable file")
    return cand


def start(
    args: Sequence[str] = (),
    *,
    binary: str | None = None,
    addr: str = "127.0.0.1:0",
    admin_token: str | None = None,
    timeout: float = 20.0,
    env: dict[str, str] | None = None,
) -> Emulator:
    """Starts the fileemu binary (``binary``, $FILEEMU_BIN or PATH) on ``addr`` (a free loopback
    port by default), waits until its health answers, and returns the Emulator, which stops it
    on close. ``args`` are more serve flags (``["--scenarios", "scenarios/ready"]``)."""
    exe = find_binary(binary)
    cmd = [exe, "serve", *args, "--addr", addr, "--log-format", "json"]
    if admin_token:
        cmd += ["--admin-token", admin_token]
    # The address the binary listens on is only known from its "fileemu listening" log line
    # (port 0 picks a free port): the log is read on a thread, which keeps the pipe drained.
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})})
    log: collections.deque[str] = collections.deque(maxlen=200)
    listening: dict[str, Any] = {}
    ready = threading.Event()

    def read_log() -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            log.append(line)
            if not ready.is_set():
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if isinstance(rec, dict) and rec.get("msg") == "fileemu listening" and rec.get("addr"):
                    listening.update(rec)
                    ready.set()
        ready.set()  # the process ended: stop waiting

    threading.Thread(target=read_log, name="fileemu-log", daemon=True).start()
    deadline = time.monotonic() + timeout
    try:
        if not ready.wait(timeout):
            raise StartError(f"{exe} did not start listening within {timeout}s" + _tail(log))
        if not listening:
            # The log ended without the line: the process is exiting (its status comes soon).
            try:
                raise StartError(f"{exe} exited with status {proc.wait(5)}" + _tail(log))
            except subprocess.TimeoutExpired:
                raise StartError(f"{exe} closed its log without listening" + _tail(log)) from None
        host, _, port = str(listening["addr"]).rpartition(":")
        if host in ("0.0.0.0", "::", "[::]", ""):
            host = "127.0.0.1"  # where it listens, not an address to call
        emu = Emulator(f"http://{host}:{port}", admin_token, proc, listening)
        emu._log = log
        _wait_healthy(emu, deadline, proc)
        return emu
    except BaseException:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        raise


def _wait_healthy(emu: Emulator, deadline: float, proc: subprocess.Popen[bytes] | None) -> None:
    last: Exception | None = None
    while True:
        if proc is not None and proc.poll() is not None:
            raise StartError(f"fileemu exited with status {proc.returncode}" + _tail(emu._log))
        try:
            emu.admin.health()
            return
        except AdminError as e:
            last = e
        if time.monotonic() >= deadline:
            raise StartError(f"fileemu at {emu.url} is not healthy: {last}")
        time.sleep(0.05)


def _tail(log: "collections.deque[str]") -> str:
    lines = list(log)[-10:]
    return (":\n" + "\n".join(lines)) if lines else ""
