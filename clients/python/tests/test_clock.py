"""Clocks: a session's, moved over the admin API, and the emulator's."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import fileemu as fe
from conftest import HAUFE_HEADERS, haufe_status, http


def test_session_clock_expires_this_sessions_urls_only(fileemu, fileemu_session):
    s = fileemu_session
    got = http("GET", s.url("haufe") + "/v1/files/signed-url?filename=late.txt", headers=HAUFE_HEADERS).json()
    before = s.clock.now()
    after = s.clock.advance("601s")
    assert timedelta(seconds=600) < after - before < timedelta(seconds=660)
    late = http("PUT", got["file_url"], b"late", {"Content-Type": "text/plain"})
    assert late.status == 403 and b"Request has expired" in late.body
    st = s.clock.state()
    assert st.moved and st.session == s.id and timedelta(seconds=600) < st.offset < timedelta(seconds=602)
    # The emulator clock, under every session, did not move.
    assert not fileemu.admin.clock.state().moved


def test_persist_false_file_is_gone_after_25h(fileemu_session):
    s = fileemu_session
    got = http("GET", s.url("haufe") + "/v1/files/signed-url?filename=tmp.txt&persist=false", headers=HAUFE_HEADERS).json()
    assert http("PUT", got["file_url"], b"tmp", {"Content-Type": "text/plain"}).status == 200
    haufe_status(s, got["file_id"])
    s.clock.advance(timedelta(hours=25))
    gone = http("GET", f"{s.url('haufe')}/v1/files/{got['file_id']}/status", headers=HAUFE_HEADERS)
    assert gone.status == 404 and gone.json()["error_code"] == "attachment_document_does_not_exist"


def test_set_reset_and_durations(fileemu_session):
    c = fileemu_session.clock
    target = datetime(2030, 1, 1, tzinfo=timezone.utc)
    now = c.set(target)
    assert target <= now < target + timedelta(seconds=5)
    assert c.set("2031-06-01T12:00:00Z").year == 2031
    assert c.set(datetime(2032, 1, 1)).year == 2032  # naive: UTC
    c.reset()
    st = c.state()
    assert not st.moved and st.offset == timedelta(0)
    real = datetime.now(timezone.utc)
    assert abs(c.now() - real) < timedelta(seconds=5)
    assert c.advance(90) - real >= timedelta(seconds=89)  # seconds
    assert c.advance(timedelta(minutes=-1, microseconds=-5)) - real < timedelta(seconds=35)  # back
    assert fe.records.go_duration(timedelta(hours=25)) == "90000000000us"


def test_bad_moves_raise_and_leave_the_clock(fileemu_session, expect_admin_error):
    c = fileemu_session.clock
    with expect_admin_error(), pytest.raises(fe.AdminError) as e:
        c.advance("1 day")
    assert e.value.status == 422 and e.value.code == "invalid_clock" and "1 day" in e.value.message
    with expect_admin_error(), pytest.raises(fe.AdminError) as e:
        c.set("1999-01-01T00:00:00Z")  # before the emulator started
    assert e.value.status == 422
    assert not c.state().moved
    with pytest.raises(TypeError):
        c.advance([1])  # type: ignore[arg-type]


def test_emulator_clock_moves_every_session(started):
    emu = started()
    a, b = emu.session("a"), emu.session("b")
    emu.admin.clock.advance("48h")
    for s in (a, b):
        assert s.clock.now() - datetime.now(timezone.utc) > timedelta(hours=47)
        assert not s.clock.state().moved  # the session's own offset did not move
    emu.admin.clock.reset()
    assert not emu.admin.clock.state().moved
