"""The package's tests run against the binary built from the checkout ($FILEEMU_BIN, make
test-python) with the plugin loaded by ``-p fileemu.pytest_plugin``. Every admin call made
through the plugin's emulator, or an emulator a test starts with ``started``, is checked against
openapi/admin.yaml at the end of the run (admin_contract.py)."""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import fileemu as fe
from admin_contract import Recorder, Spec

REPO = Path(__file__).resolve().parents[3]
HAUFE_HEADERS = {"api-key": "my-key", "user-id": "497f6eca-6276-4993-bfeb-53cbbbba6f08"}

_recorder = Recorder()


@pytest.fixture(scope="session", autouse=True)
def admin_contract(fileemu: fe.Emulator) -> Iterator[Recorder]:
    """Records the run's admin calls; fails the run's last teardown on any that breaks the spec."""
    fileemu.admin.observers.append(_recorder)
    yield _recorder
    problems = _recorder.problems(Spec())
    if problems:
        pytest.fail("admin calls that break openapi/admin.yaml:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture(autouse=True)
def _name_calls(request: pytest.FixtureRequest) -> None:
    _recorder.test = request.node.nodeid


@pytest.fixture
def expect_admin_error() -> Callable[[], contextlib.AbstractContextManager[None]]:
    """``with expect_admin_error(): ...`` marks the admin calls in the block as allowed to be
    answered 4xx (and to break the spec's request side: the test sends them on purpose)."""
    return _recorder.expect_error


@pytest.fixture
def started() -> Iterator[Callable[..., fe.Emulator]]:
    """Starts more emulators for a test (fileemu.start's arguments), stopped after it; their
    admin calls are checked too."""
    emus: list[fe.Emulator] = []

    def run(*args: Any, **kw: Any) -> fe.Emulator:
        emu = fe.start(*args, **kw)
        emu.admin.observers.append(_recorder)
        emus.append(emu)
        return emu

    yield run
    for emu in emus:
        emu.close()


class Answer:
    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def json(self) -> Any:
        return json.loads(self.body)


def http(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Answer:
    """One request to an emulated API, with urllib alone (no proxy: the emulator is local)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with opener.open(req, timeout=30) as resp:
            return Answer(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as e:
        with e:
            return Answer(e.code, e.headers, e.read())


def haufe_upload(s: fe.Session, filename: str, content: bytes) -> tuple[str, Answer]:
    """Asks Haufe for an upload URL and PUTs content to it; returns the file id and the PUT's
    answer."""
    q = urllib.parse.urlencode({"filename": filename})
    got = http("GET", f"{s.url('haufe')}/v1/files/signed-url?{q}", headers=HAUFE_HEADERS)
    assert got.status == 200, got.body
    doc = got.json()
    # urllib sends any body as application/x-www-form-urlencoded unless told otherwise.
    return doc["file_id"], http("PUT", doc["file_url"], content, {"Content-Type": "application/octet-stream"})


def haufe_status(s: fe.Session, file_id: str) -> dict[str, Any]:
    got = http("GET", f"{s.url('haufe')}/v1/files/{file_id}/status", headers=HAUFE_HEADERS)
    assert got.status == 200, got.body
    return got.json()
