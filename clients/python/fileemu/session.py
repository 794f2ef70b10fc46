"""Sessions: one isolated namespace of an emulator per test (Go's ``testkit.Session``)."""

from __future__ import annotations

import os
import re
import secrets
from typing import IO, Any

from .admin import ADMIN_PATH, Admin, EventStream, RemoteClock
from .fixtures import resolve_fixtures
from .records import Request, State

SESSION_PREFIX = "/_s/"

# What a client of each API appends to the emulator's (or a session's) URL to get its base URL:
# the emulator's endpoint table (emulator/endpoints.go, Endpoint.Base). Haufe, Weavy and
# files.ro clients take the host alone and append whole paths (/v1/..., /api/...). The tests
# check this table against the one the binary announces.
API_PATHS: dict[str, str] = {
    "s3": "/s3",
    "haufe": "",
    "desk": "/desk/api/v2",
    "weavy": "",
    "filesro": "",
    "admin": ADMIN_PATH,
}

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def api_path(api: str) -> str:
    """The path a client of ``api`` appends to the emulator's (or a session's) base URL: "/s3",
    "/desk/api/v2", "/__admin", "" for Haufe, Weavy and files.ro. An unknown name raises
    ValueError listing the known ones."""
    try:
        return API_PATHS[api]
    except KeyError:
        raise ValueError(f"fileemu: unknown API {api!r} (known: {', '.join(API_PATHS)})") from None


def session_id(hint: str = "") -> str:
    """A fresh session id made from ``hint`` (a test's name), as Go's kit makes them: unsafe
    characters replaced, the last 40 kept, a random suffix."""
    name = _UNSAFE.sub("_", hint)[-40:].strip("._-") or "py"
    return f"{name}-{secrets.token_hex(4)}"


class Session:
    """One isolated namespace of an emulator: its state, journal entries, scenarios and clock.

    Create it with ``Emulator.session()``; ``close()`` (or leaving a ``with`` block) drops it.
    """

    def __init__(self, base_url: str, admin: Admin, session_id: str) -> None:
        self.id = session_id
        self.base_url = base_url.rstrip("/")
        self.admin = admin
        self.closed = False
        self._streams: list[EventStream] = []

    def __repr__(self) -> str:
        return f"Session({self.id!r} at {self.base_url})"

    def url(self, api: str = "") -> str:
        """The base URL a client of ``api`` is configured with to use this session, e.g.
        ``url("haufe") + "/v1/files/signed-url"``, ``url("desk")`` ends in /desk/api/v2;
        ``url()`` is the session's base URL. The admin API has no session: ``url("admin")`` is
        the emulator's admin base. An unknown API raises ValueError with the known names."""
        root = self.base_url + SESSION_PREFIX + self.id
        if api == "":
            return root
        p = api_path(api)
        if api == "admin":
            return self.base_url + p
        return root + p

    # ---- journal ----

    def requests(self, *, limit: int | None = None, **filters: Any) -> list[Request]:
        """This session's journal entries matching the filters (operation, api, method, status,
        path glob, after), oldest first. The journal is written before a response is sent: no
        waiting is needed."""
        return self.admin.requests(self.id, limit=limit, **filters)

    def count(self, **filters: Any) -> int:
        """How many of this session's journal entries match the filters."""
        return self.admin.count(self.id, **filters)

    def assert_called(self, operation: str, n: int) -> None:
        """Raises AssertionError unless the operation was called exactly n times in this
        session; the message lists what the session saw."""
        got = self.count(operation=operation)
        if got != n:
            seen = ", ".join(f"{r.method} {r.path} ({r.operation})" for r in self.requests())
            raise AssertionError(f"operation {operation} called {got} times, want {n}; session {self.id} saw: {seen}")

    def follow(self, *, timeout: float | None = 30.0, **filters: Any) -> EventStream:
        """This session's journal live: an iterator of Events, starting with what happens next;
        ``next()`` waits at most ``timeout`` seconds. Closed with the session."""
        stream = self.admin.follow(self.id, timeout=timeout, **filters)
        self._streams.append(stream)
        return stream

    # ---- scenarios, fixtures, generated data, state ----

    def load_scenario(self, file: str | os.PathLike[str]) -> list[str]:
        """Loads the scenarios of a file for this session only; returns their names. Scenarios
        marked active apply at once, others wait for ``activate_scenarios``."""
        with open(file, "rb") as f:
            return self.load_scenario_text(f.read())

    def load_scenario_text(self, doc: str | bytes) -> list[str]:
        """``load_scenario`` for a document in a string."""
        return self.admin.put_scenarios(self.id, doc)

    def activate_scenarios(self, *names: str) -> list[str]:
        """Turns loaded scenarios on for this session; returns the active ones."""
        return self.admin.activate_scenarios(self.id, *names)

    def load_fixtures(self, file: str | os.PathLike[str]) -> dict[str, Any]:
        """Replaces this session's state with what the fixture file declares, its ``path:``
        contents read next to it on this machine. A problem raises AdminError (with every
        line:column problem) and leaves the session as it was. Returns the counts loaded."""
        return self.admin.put_fixtures(self.id, resolve_fixtures(file))

    def seed(self, counts: str | dict[str, Any]) -> dict[str, Any]:
        """Replaces this session's state with generated data, e.g. {"weavy": {"apps": 2}}."""
        return self.admin.seed(self.id, counts)

    def state(self) -> State:
        """The admin state dump of this session."""
        return self.admin.state(self.id)

    def snapshot(self) -> bytes:
        """The archive of this session's state and stored bytes."""
        return self.admin.snapshot(self.id)

    def snapshot_to(self, w: IO[bytes]) -> None:
        """Streams the archive of this session into a binary file object."""
        self.admin.snapshot_to(self.id, w)

    def restore(self, archive: bytes | IO[bytes]) -> None:
        """Replaces this session's state with an archive's (see ``Admin.restore``)."""
        self.admin.restore(self.id, archive)

    def reset(self) -> None:
        """Drops the session's state and journal, keeping the session."""
        self.admin.reset(self.id)

    @property
    def clock(self) -> RemoteClock:
        """This session's clock: moving it expires this session's URLs and files only."""
        return RemoteClock(self.admin, self.id)

    # ---- life ----

    def close(self) -> None:
        """Closes the session's journal streams and drops the session."""
        if self.closed:
            return
        self.closed = True
        for s in self._streams:
            s.close()
        self.admin.delete_session(self.id)

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["Session", "api_path", "session_id", "API_PATHS", "SESSION_PREFIX"]
