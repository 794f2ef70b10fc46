"""fileemu: start or connect to the fileemu emulator from Python tests; sessions, the request
journal, scenarios, fixtures, snapshots and clocks over its admin API. Standard library only.

    import fileemu

    with fileemu.start() as emu:                  # the binary from $FILEEMU_BIN or PATH
        with emu.session("my-test") as s:         # an isolated session, dropped on exit
            base = s.url("haufe")                 # configure the client under test with it
            ...
            s.assert_called("getSignedUrl", 1)

The pytest plugin (``fileemu.pytest_plugin``) gives tests the fixtures ``fileemu`` and
``fileemu_session``.
"""

from .admin import Admin, EventStream, RemoteClock
from .emulator import Emulator, connect, find_binary, start
from .errors import AdminError, FileemuError, StartError
from .fixtures import FixtureError, resolve_fixtures
from .records import ClockState, Event, Exchange, Request, SessionInfo, State, StoredObject
from .session import API_PATHS, SESSION_PREFIX, Session, api_path, session_id

__all__ = [
    "API_PATHS",
    "SESSION_PREFIX",
    "Admin",
    "AdminError",
    "ClockState",
    "Emulator",
    "Event",
    "EventStream",
    "Exchange",
    "FileemuError",
    "FixtureError",
    "RemoteClock",
    "Request",
    "Session",
    "SessionInfo",
    "StartError",
    "State",
    "StoredObject",
    "api_path",
    "connect",
    "find_binary",
    "resolve_fixtures",
    "session_id",
    "start",
]
