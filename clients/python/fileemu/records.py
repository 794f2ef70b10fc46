"""What the admin API answers, as plain data classes (snake_case as on the wire)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

_TIME = re.compile(r"^(?P<base>[0-9-]+T[0-9:]+)(?:\.(?P<frac>[0-9]+))?(?P<zone>Z|[+-][0-9]{2}:[0-9]{2})$")


def parse_time(text: str) -> datetime:
    """An RFC 3339 time as Go writes it (nanoseconds, ``Z``) as an aware datetime."""
    m = _TIME.match(text)
    if not m:
        raise ValueError(f"not an RFC 3339 time: {text!r}")
    # datetime keeps microseconds: Go's nanoseconds are cut, not rounded (rounding may carry).
    frac = (m["frac"] or "")[:6].ljust(6, "0")
    zone = "+00:00" if m["zone"] == "Z" else m["zone"]
    return datetime.fromisoformat(f"{m['base']}.{frac}{zone}")


def format_time(t: datetime) -> str:
    """An RFC 3339 time the admin API takes; a naive datetime is taken as UTC."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.isoformat().replace("+00:00", "Z")


def go_duration(d: str | timedelta | int | float) -> str:
    """A Go duration string: strings pass as they are ("25h", "90m", "-10m"); a timedelta or a
    number of seconds is written in whole microseconds, which Go parses exactly."""
    if isinstance(d, str):
        return d
    if isinstance(d, (int, float)) and not isinstance(d, bool):
        d = timedelta(seconds=d)
    if not isinstance(d, timedelta):
        raise TypeError(f"a duration is a Go duration string, a timedelta or seconds, not {type(d).__name__}")
    return f"{d // timedelta(microseconds=1)}us"


@dataclass(frozen=True)
class Request:
    """One journal entry: a request the emulator served (``GET /__admin/requests``)."""

    seq: int
    time: datetime
    session: str
    api: str
    method: str
    path: str  # the API path without the session prefix
    status: int
    duration_ms: float
    request_id: str
    body_size: int
    operation: str = ""  # the OpenAPI operationId
    query: str = ""  # raw query, signatures redacted
    headers: dict[str, str] = field(default_factory=dict)  # credentials redacted
    body_sha256: str = ""  # uploads only
    error: str = ""  # the API's error code; fault:<kind> for a broken connection
    scenario: str = ""
    rule: str = ""
    request_body: str = ""
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)  # the entry as sent

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Request":
        return cls(
            seq=int(d["seq"]),
            time=parse_time(d["time"]),
            session=d.get("session", ""),
            api=d.get("api", ""),
            method=d.get("method", ""),
            path=d.get("path", ""),
            status=int(d.get("status", 0)),
            duration_ms=float(d.get("duration_ms", 0)),
            request_id=d.get("request_id", ""),
            body_size=int(d.get("body_size", 0)),
            operation=d.get("operation", ""),
            query=d.get("query", ""),
            headers=dict(d.get("headers") or {}),
            body_sha256=d.get("body_sha256", ""),
            error=d.get("error", ""),
            scenario=d.get("scenario", ""),
            rule=d.get("rule", ""),
            request_body=d.get("request_body", ""),
            response_headers=dict(d.get("response_headers") or {}),
            response_body=d.get("response_body", ""),
            raw=d,
        )


@dataclass(frozen=True)
class Event:
    """One event of the live journal (``GET /__admin/requests/stream``).

    ``kind`` is "request" (a new entry), "update" (that entry again, completed: duration,
    bodies, upload hash) or "lost" (the stream fell behind: read the journal again, ``request``
    is None)."""

    kind: str
    request: Request | None


@dataclass(frozen=True)
class StoredObject:
    """One stored upload of a session."""

    name: str
    size: int
    md5: str
    sha256: str
    content_type: str
    created: datetime | None = None


@dataclass(frozen=True)
class State:
    """The state dump of a session (``GET /__admin/state``): each API's model by name, and the
    stored uploads."""

    session: str
    apis: dict[str, Any]
    objects: list[StoredObject]

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "State":
        objs = [
            StoredObject(
                name=o["name"],
                size=int(o["size"]),
                md5=o.get("md5", ""),
                sha256=o.get("sha256", ""),
                content_type=o.get("content_type", ""),
                created=parse_time(o["created"]) if o.get("created") else None,
            )
            for o in d.get("objects") or []
        ]
        return cls(session=d.get("session", ""), apis=dict(d.get("apis") or {}), objects=objs)


@dataclass(frozen=True)
class SessionInfo:
    """A session as the admin API shows it."""

    id: str
    created: datetime
    objects: int  # stored objects (uploads)
    bytes: int  # stored bytes

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "SessionInfo":
        return cls(id=d["id"], created=parse_time(d["created"]), objects=int(d["objects"]), bytes=int(d["bytes"]))


@dataclass(frozen=True)
class ClockState:
    """A clock as the admin API shows it: what it reads, and how far it is ahead of the clock
    underneath it (real time for the emulator clock, the emulator clock for a session's)."""

    now: datetime
    offset: timedelta
    moved: bool  # moved and not put back since
    session: str = ""  # empty for the emulator clock

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "ClockState":
        return cls(
            now=parse_time(d["now"]),
            offset=timedelta(seconds=float(d["offset_seconds"])),
            moved=bool(d["moved"]),
            session=d.get("session", ""),
        )


@dataclass(frozen=True)
class Exchange:
    """One admin call as the client saw it, handed to ``Admin.observers``: for logging, or to
    check the calls against ``openapi/admin.yaml`` (the package's own tests do)."""

    method: str
    path: str  # under /__admin, without the query
    query: dict[str, str]
    status: int
    request_content_type: str
    request_body: bytes | None  # None when none was sent, or it was a stream
    response_content_type: str
    response_body: bytes | None  # None when the answer was streamed to the caller
