"""pytest plugin: ``fileemu`` (one emulator for the test run) and ``fileemu_session`` (an
isolated session per test, dropped after it).

Registered through the ``pytest11`` entry point when the package is installed; without
installing, load it with ``pytest -p fileemu.pytest_plugin``. The emulator is the one at
``--fileemu-url`` / $FILEEMU_URL (admin token: $FILEEMU_ADMIN_TOKEN) when given, else the binary
(``--fileemu-bin`` / $FILEEMU_BIN / PATH) started on a free loopback port and stopped at the end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .emulator import Emulator, connect, start
from .session import Session


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fileemu")
    group.addoption("--fileemu-url", default=None, help="use the emulator running at this URL ($FILEEMU_URL)")
    group.addoption("--fileemu-bin", default=None, help="the fileemu binary to start ($FILEEMU_BIN, else PATH)")


@pytest.fixture(scope="session")
def fileemu(pytestconfig: pytest.Config) -> Iterator[Emulator]:
    """The emulator of the test run: connected by URL, or started (and stopped at the end)."""
    url = pytestconfig.getoption("fileemu_url") or os.environ.get("FILEEMU_URL")
    token = os.environ.get("FILEEMU_ADMIN_TOKEN") or None
    emu = connect(url, token, wait=10.0) if url else start(binary=pytestconfig.getoption("fileemu_bin"), admin_token=token)
    try:
        yield emu
    finally:
        emu.close()


@pytest.fixture
def fileemu_session(fileemu: Emulator, request: pytest.FixtureRequest) -> Iterator[Session]:
    """A session of its own for this test, named after it, dropped after it."""
    s = fileemu.session(request.node.name)
    try:
        yield s
    finally:
        s.close()
