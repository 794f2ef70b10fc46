"""Starting the binary, connecting by URL, and the API table against the binary's own."""

from __future__ import annotations

import os
import subprocess

import pytest

import fileemu as fe
from conftest import http


def test_start_waits_for_health_and_stops_on_close(started):
    emu = started()
    assert emu.process is not None and emu.process.poll() is None
    h = emu.health()
    assert h["status"] == "ok"
    assert set(h["apis"]) == {"s3", "haufe", "desk", "weavy", "filesro"}
    assert emu.url.startswith("http://127.0.0.1:") and emu.announce["addr"].endswith(emu.url.rsplit(":", 1)[1])
    with emu.session("open") as s:
        assert emu.admin.get_session(s.id).id == s.id
    emu.close()
    assert emu.process.poll() == 0  # SIGTERM: a clean shutdown
    with pytest.raises(fe.AdminError) as e:
        emu.health()
    assert e.value.status == 0 and "no answer" in str(e.value)


def test_context_manager_stops_the_binary():
    with fe.start() as emu:
        proc = emu.process
        assert proc is not None and proc.poll() is None
    assert proc.poll() is not None


def test_close_drops_sessions_left_open(fileemu, started):
    emu = started()
    s = emu.session("left-open")
    watcher = fe.connect(emu.url)
    assert watcher.admin.get_session(s.id).id == s.id
    emu.close()
    assert s.closed


def test_flags_win_over_the_environment(started):
    # A shell with the image's environment twins set must not move the port or the log format
    # start reads the address from.
    emu = started(env={"FILEEMU_ADDR": "127.0.0.1:1", "FILEEMU_LOG_FORMAT": "text"})
    assert emu.health()["status"] == "ok" and not emu.url.endswith(":1")


def test_binary_not_found(monkeypatch, tmp_path):
    monkeypatch.delenv("FILEEMU_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(fe.StartError, match="FILEEMU_BIN"):
        fe.start()
    with pytest.raises(fe.StartError, match="not an executable"):
        fe.start(binary=str(tmp_path / "nothing"))


def test_start_failure_carries_the_log():
    with pytest.raises(fe.StartError) as e:
        fe.start(["--no-such-flag"])
    assert "exited with status" in str(e.value) and "no-such-flag" in str(e.value)


def test_start_failure_when_not_listening_in_time(tmp_path):
    # A "binary" that never announces itself: start gives up after the timeout and kills it.
    fake = tmp_path / "fileemu"
    fake.write_text("#!/bin/sh\nexec sleep 30\n")
    fake.chmod(0o755)
    with pytest.raises(fe.StartError, match="did not start listening within 0.5s"):
        fe.start(binary=str(fake), timeout=0.5)


def test_admin_token(started, expect_admin_error):
    emu = started(admin_token="s3cret")
    s = emu.session("token")  # the client sends the token
    assert s.count() == 0
    stranger = fe.connect(emu.url)
    stranger.admin.observers.extend(emu.admin.observers)
    with expect_admin_error(), pytest.raises(fe.AdminError) as e:
        stranger.admin.count(s.id)
    assert e.value.status == 401 and e.value.code
    assert stranger.health()["status"] == "ok"  # health is public


def test_connect_by_url(fileemu):
    emu = fe.connect(fileemu.url + "/", wait=5)
    assert emu.url == fileemu.url and emu.process is None
    assert emu.health()["status"] == "ok"
    emu.close()  # not ours: nothing to stop
    assert fileemu.health()["status"] == "ok"


def test_connect_waits_and_gives_up():
    with pytest.raises(fe.StartError, match="not healthy"):
        fe.connect("http://127.0.0.1:9", wait=0.3)  # the discard port: nothing answers


def test_api_paths_match_the_binary(fileemu):
    """The client's table of API base paths is the emulator's: every API the binary announces
    is known, and those whose clients take a path as base (not the host) have the announced one."""
    if not fileemu.announce:
        pytest.skip("connected by URL: no announcement to compare with")
    urls = fileemu.announce["urls"]
    assert set(urls) == set(fe.API_PATHS)
    for api, url in urls.items():
        path = url[len(fileemu.url):]
        base = fe.api_path(api)
        assert base in ("", path), f"{api}: client base {base!r}, binary serves {path!r}"
        if base == "":
            assert api in ("haufe", "weavy", "filesro"), f"{api}: host-rooted in the client only"


def test_url_forms(fileemu_session, fileemu):
    s = fileemu_session
    root = f"{fileemu.url}/_s/{s.id}"
    assert s.url() == root
    assert s.url("haufe") == root and s.url("weavy") == root and s.url("filesro") == root
    assert s.url("desk") == root + "/desk/api/v2"
    assert s.url("s3") == root + "/s3"
    assert s.url("admin") == fileemu.url + "/__admin"
    with pytest.raises(ValueError, match="unknown API 'haufee' \\(known: s3, haufe, desk"):
        s.url("haufee")
    # The URLs reach the APIs in this session.
    assert http("GET", s.url("desk") + "/files.json", headers={"Authorization": "Bearer k"}).status == 200
    s.assert_called("listFiles", 1)


def test_session_ids(fileemu):
    a, b = fe.session_id("tests/test_x.py::test_y[1-2]"), fe.session_id("tests/test_x.py::test_y[1-2]")
    assert a != b and a.startswith("tests_test_x.py_test_y_1-2-")
    assert fe.session_id("").startswith("py-")
    assert len(fe.session_id("x" * 100)) == 40 + 9


def test_env_binary_is_the_checkout(fileemu):
    # make test-python sets FILEEMU_BIN to the binary it just built.
    binary = os.environ.get("FILEEMU_BIN")
    if not binary or not fileemu.announce:
        pytest.skip("FILEEMU_BIN is not set, or the emulator was not started from it")
    out = subprocess.run([binary, "version"], capture_output=True, text=True, check=True).stdout
    assert out.split()[1] == fileemu.health()["version"]
