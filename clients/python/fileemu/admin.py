"""A client of fileemu's admin API (``/__admin``), the same calls as Go's ``testkit.Admin``."""

from __future__ import annotations

import ipaddress
import json
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from http.client import HTTPResponse
from typing import IO, Any

from .errors import AdminError
from .records import ClockState, Event, Exchange, Request, SessionInfo, State, format_time, go_duration

ADMIN_PATH = "/__admin"

# The journal filters Requests, Count and Follow take as keyword arguments, as the admin API
# names them (Go's testkit.Operation, API, Method, Status, Path; after and limit beside).
JOURNAL_FILTERS = ("api", "operation", "method", "status", "path", "after")


def _journal_query(session: str, filters: dict[str, Any], allowed: tuple[str, ...] = JOURNAL_FILTERS) -> dict[str, str]:
    q: dict[str, str] = {}
    if session:
        q["session"] = session
    for k, v in filters.items():
        if k not in allowed:
            raise TypeError(f"unknown journal filter {k!r} (known: {', '.join(allowed)})")
        if v is not None:
            q[k] = str(v)
    return q


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Admin:
    """A client of the admin API of the emulator at ``base_url`` (e.g. http://127.0.0.1:8080).

    Every call raises ``AdminError`` (with the answer's message and violations) when the answer
    is not the one the call expects. ``observers`` are called with every call's ``Exchange``.
    """

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token or ""
        self.timeout = timeout
        self.observers: list[Callable[[Exchange], None]] = []
        host = urllib.parse.urlsplit(self.base_url).hostname or ""
        # A proxy from the environment must not carry calls to an emulator on this machine.
        handlers = [urllib.request.ProxyHandler({})] if _is_loopback(host) else []
        self._opener = urllib.request.build_opener(*handlers)

    # ---- transport ----

    def _open(
        self,
        method: str,
        path: str,
        query: dict[str, str] | None = None,
        body: bytes | IO[bytes] | None = None,
        content_type: str = "",
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> HTTPResponse:
        """Sends one request and returns the response, whatever its status."""
        url = self.base_url + ADMIN_PATH + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        req = urllib.request.Request(url, data=body, method=method)
        if body is not None:
            req.add_header("Content-Type", content_type)
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            resp: HTTPResponse = self._opener.open(req, timeout=self.timeout if timeout is None else timeout)
            return resp
        except urllib.error.HTTPError as e:
            return e  # type: ignore[return-value]  # an HTTPError is the response of a non-2xx answer
        except OSError as e:
            raise AdminError(method, path, 0, f"no answer from {url}: {e}".encode()) from e

    def _observe(self, method: str, path: str, query: dict[str, str] | None, status: int,
                 content_type: str, body: bytes | IO[bytes] | None, resp: HTTPResponse,
                 resp_body: bytes | None) -> None:
        if not self.observers:
            return
        ex = Exchange(
            method=method,
            path=ADMIN_PATH + path,
            query=dict(query or {}),
            status=status,
            request_content_type=content_type if body is not None else "",
            request_body=body if isinstance(body, bytes) else None,
            response_content_type=resp.headers.get("Content-Type", ""),
            response_body=resp_body,
        )
        for fn in self.observers:
            fn(ex)

    def _call(
        self,
        method: str,
        path: str,
        query: dict[str, str] | None = None,
        json_body: Any = None,
        want: tuple[int, ...] = (200,),
        raw: bytes | IO[bytes] | None = None,
        content_type: str = "application/json",
    ) -> Any:
        """Sends one request and decodes its JSON answer; an unexpected status raises."""
        body = raw if raw is not None else (json.dumps(json_body).encode() if json_body is not None else None)
        with self._open(method, path, query, body, content_type) as resp:
            data = resp.read()
            status = resp.status
            self._observe(method, path, query, status, content_type, body, resp, data)
        if status not in want:
            raise AdminError(method, path, status, data)
        if not data:
            return None
        try:
            return json.loads(data)
        except ValueError as e:
            raise AdminError(method, path, status, b"answer is not JSON: " + data[:200]) from e

    # ---- health and sessions ----

    def health(self) -> dict[str, Any]:
        """GET /__admin/health: status, version, uptime, loaded APIs."""
        return dict(self._call("GET", "/health"))

    def create_session(self, session_id: str | None = None) -> SessionInfo:
        """Creates (or keeps) a session; without an id the emulator picks one."""
        body = {"id": session_id} if session_id else {}
        return SessionInfo.from_json(self._call("POST", "/sessions", json_body=body, want=(200, 201)))

    def delete_session(self, session_id: str) -> None:
        """Drops a session with its state and journal entries."""
        self._call("DELETE", "/sessions/" + _seg(session_id), want=(204,))

    def get_session(self, session_id: str) -> SessionInfo:
        """One session (AdminError 404 when there is none)."""
        return SessionInfo.from_json(self._call("GET", "/sessions/" + _seg(session_id)))

    def list_sessions(self) -> list[SessionInfo]:
        """Every session."""
        return [SessionInfo.from_json(s) for s in self._call("GET", "/sessions")["sessions"]]

    def reset(self, session: str = "") -> list[str]:
        """Drops the state and journal of one session, or of all when session is empty; returns
        what was reset."""
        return list(self._call("POST", "/reset", {"session": session} if session else None)["reset"])

    # ---- journal ----

    def requests(self, session: str = "", *, limit: int | None = None, **filters: Any) -> list[Request]:
        """Journal entries of a session (all sessions when empty), oldest first, matching the
        filters: api, operation, method, status, path (a glob), after (a seq); limit keeps the
        newest entries."""
        q = _journal_query(session, filters)
        if limit is not None:
            q["limit"] = str(limit)
        return [Request.from_json(r) for r in self._call("GET", "/requests", q)["requests"]]

    def count(self, session: str = "", **filters: Any) -> int:
        """How many journal entries of a session match the filters."""
        return int(self._call("GET", "/requests/count", _journal_query(session, filters))["count"])

    def follow(self, session: str = "", *, timeout: float | None = 30.0, last_event_id: int | None = None,
               **filters: Any) -> "EventStream":
        """Opens the live journal stream of a session ("" for every session) with filters. It
        starts with what happens next (or after ``after=SEQ`` / ``last_event_id``). Iterating
        waits at most ``timeout`` seconds per event, then raises TimeoutError."""
        q = _journal_query(session, filters)
        headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else None
        resp = self._open("GET", "/requests/stream", q, headers=headers, timeout=timeout)
        if resp.status != 200:
            with resp:
                data = resp.read()
            self._observe("GET", "/requests/stream", q, resp.status, "", None, resp, data)
            raise AdminError("GET", "/requests/stream", resp.status, data)
        self._observe("GET", "/requests/stream", q, resp.status, "", None, resp, None)
        return EventStream(resp, timeout)

    def clear_requests(self, session: str = "") -> int:
        """Removes journal entries (a session's, or all); returns how many."""
        return int(self._call("DELETE", "/requests", {"session": session} if session else None)["removed"])

    # ---- state, snapshots ----

    def state(self, session: str = "default") -> State:
        """The state dump of a session."""
        return State.from_json(self._call("GET", "/state", {"session": session}))

    def snapshot(self, session: str) -> bytes:
        """The archive of a session's whole state and stored bytes (a tar)."""
        import io

        buf = io.BytesIO()
        self.snapshot_to(session, buf)
        return buf.getvalue()

    def snapshot_to(self, session: str, w: IO[bytes]) -> None:
        """Streams the archive of a session into a binary file object."""
        path = "/sessions/" + _seg(session) + "/snapshot"
        with self._open("GET", path) as resp:
            if resp.status != 200:
                data = resp.read()
                self._observe("GET", path, None, resp.status, "", None, resp, data)
                raise AdminError("GET", path, resp.status, data)
            shutil.copyfileobj(resp, w)
            self._observe("GET", path, None, resp.status, "", None, resp, None)

    def restore(self, session: str, archive: bytes | IO[bytes]) -> SessionInfo:
        """Replaces a session's state (creating the session) with an archive's: bytes, or a
        binary file object, streamed. An archive the emulator cannot read changes nothing: the
        AdminError names the archive ``member`` at fault."""
        path = "/sessions/" + _seg(session) + "/snapshot"
        return SessionInfo.from_json(self._call("PUT", path, raw=archive, content_type="application/x-tar"))

    # ---- scenarios, fixtures, generated data ----

    def put_scenarios(self, session: str, doc: str | bytes) -> list[str]:
        """Adds scenarios from a scenario document (YAML or JSON); with a session they apply to
        that session only. Returns the names added."""
        data = doc.encode() if isinstance(doc, str) else doc
        q = {"session": session} if session else None
        return list(self._call("PUT", "/scenarios", q, raw=data, content_type="application/yaml")["scenarios"])

    def activate_scenarios(self, session: str, *names: str) -> list[str]:
        """Turns loaded scenarios on for a session; returns the session's active scenarios."""
        path = "/sessions/" + _seg(session) + "/scenarios"
        return list(self._call("POST", path, json_body={"names": list(names)})["active"])

    def put_fixtures(self, session: str, doc: str | bytes) -> dict[str, Any]:
        """Replaces a session's state (the default session when "") with a fixture document
        (YAML or JSON, contents inline: see ``resolve_fixtures``); returns the counts loaded."""
        data = doc.encode() if isinstance(doc, str) else doc
        q = {"session": session} if session else None
        return dict(self._call("PUT", "/fixtures", q, raw=data, content_type="application/yaml")["loaded"])

    def seed(self, session: str, counts: str | dict[str, Any]) -> dict[str, Any]:
        """Replaces a session's state with generated data: counts as the body of POST
        /__admin/seed, e.g. {"weavy": {"apps": 2, "files": 10}, "seed": 7}."""
        body = json.loads(counts) if isinstance(counts, str) else counts
        q = {"session": session} if session else None
        return dict(self._call("POST", "/seed", q, json_body=body)["loaded"])

    # ---- clocks ----

    def _clock(self, method: str, session: str, body: Any = None) -> ClockState:
        path = "/sessions/" + _seg(session) + "/clock" if session else "/clock"
        return ClockState.from_json(self._call(method, path, json_body=body))

    def get_clock(self, session: str = "") -> ClockState:
        """A session's clock, or the emulator clock when session is ""."""
        return self._clock("GET", session)

    def advance_clock(self, session: str, d: str | timedelta | float) -> ClockState:
        """Moves a clock by a Go duration ("25h", "-10m"), a timedelta or seconds."""
        return self._clock("POST", session, {"advance": go_duration(d)})

    def set_clock(self, session: str, t: datetime | str) -> ClockState:
        """Makes a clock read t now (it keeps running); a naive datetime is UTC."""
        return self._clock("POST", session, {"set": t if isinstance(t, str) else format_time(t)})

    def reset_clock(self, session: str = "") -> ClockState:
        """Puts a session's clock back on the emulator clock, or the emulator clock on real time."""
        return self._clock("DELETE", session)

    @property
    def clock(self) -> "RemoteClock":
        """The emulator clock: every session's clock runs on it."""
        return RemoteClock(self, "")


def _seg(s: str) -> str:
    """A path segment, escaped."""
    return urllib.parse.quote(s, safe="")


class RemoteClock:
    """A clock of a running emulator, moved over the admin API: a session's (``session.clock``)
    or the emulator's (``admin.clock``)."""

    def __init__(self, admin: Admin, session: str) -> None:
        self._admin = admin
        self.session = session

    def now(self) -> datetime:
        """What the clock reads."""
        return self._admin.get_clock(self.session).now

    def advance(self, d: str | timedelta | float) -> datetime:
        """Moves the clock by d (negative: back, never before the emulator's start); returns
        what it reads then."""
        return self._admin.advance_clock(self.session, d).now

    def set(self, t: datetime | str) -> datetime:
        """Makes the clock read t now; it keeps running from there."""
        return self._admin.set_clock(self.session, t).now

    def reset(self) -> None:
        """Puts the clock back: a session's on the emulator clock, the emulator's on real time."""
        self._admin.reset_clock(self.session)

    def state(self) -> ClockState:
        """The whole answer: now, offset, moved."""
        return self._admin.get_clock(self.session)


class EventStream(Iterator[Event]):
    """The live journal: iterate to get each ``Event`` as it happens. ``next()`` waits at most
    the stream's timeout for an event (heartbeats do not count) and then raises TimeoutError;
    the stream ends (StopIteration) when the emulator shuts down. Close it, or use it as a
    context manager."""

    def __init__(self, resp: HTTPResponse, timeout: float | None) -> None:
        self._resp = resp
        self.timeout = timeout
        self.closed = False

    def __iter__(self) -> "EventStream":
        return self

    def _set_timeout(self, seconds: float | None) -> None:
        # The socket under the buffered reader: its timeout bounds each read. Heartbeats keep
        # arriving, so the deadline is checked between lines too.
        sock = getattr(getattr(self._resp.fp, "raw", None), "_sock", None)
        if sock is not None:
            sock.settimeout(seconds)

    def __next__(self) -> Event:
        if self.closed:
            raise StopIteration
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        kind, data = "message", []  # type: str, list[str]
        try:
            while True:
                if deadline is not None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError(f"no journal event within {self.timeout}s")
                    self._set_timeout(left)
                raw = self._resp.readline()
                if not raw:
                    self.close()
                    raise StopIteration
                line = raw.decode("utf-8").rstrip("\r\n")
                if line == "":
                    if data:
                        ev = self._event(kind, "\n".join(data))
                        if ev is not None:
                            return ev
                    kind, data = "message", []
                elif line.startswith(":"):
                    continue  # a heartbeat
                elif line.startswith("event:"):
                    kind = line[len("event:"):].strip()
                elif line.startswith("data:"):
                    v = line[len("data:"):]
                    data.append(v[1:] if v.startswith(" ") else v)
        except (TimeoutError, OSError, ValueError) as e:
            # A read cut by the timeout leaves the reader in an unknown place: the stream ends.
            self.close()
            if isinstance(e, TimeoutError):
                raise TimeoutError(f"no journal event within {self.timeout}s") from None
            raise

    @staticmethod
    def _event(kind: str, data: str) -> Event | None:
        if kind in ("request", "update"):
            try:
                return Event(kind, Request.from_json(json.loads(data)))
            except (ValueError, KeyError):
                return None  # not an entry: nothing to hand on
        return Event(kind, None)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._resp.close()

    def __enter__(self) -> "EventStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
