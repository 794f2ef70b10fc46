"""Sessions: the journal, assertions, the live stream, state, reset, and admin errors."""

from __future__ import annotations

import hashlib
import threading

import pytest

import fileemu as fe
from conftest import HAUFE_HEADERS, haufe_status, haufe_upload, http


def test_haufe_upload_through_the_presigned_url(fileemu_session):
    s = fileemu_session
    content = b"Quarterly report\n"
    file_id, put = haufe_upload(s, "report.txt", content)
    assert put.status == 200, put.body
    assert haufe_status(s, file_id)["processing_status"] == "PROCESSING"
    assert haufe_status(s, file_id)["processing_status"] == "PROCESSED"

    s.assert_called("getSignedUrl", 1)
    s.assert_called("putObject", 1)
    assert s.count() == 4
    assert s.count(api="haufe", method="GET") == 3
    assert s.count(operation="getFileStatus", status=200) == 2
    (entry,) = s.requests(operation="putObject")
    assert entry.session == s.id and entry.api == "s3" and entry.method == "PUT" and entry.status == 200
    assert entry.body_size == len(content)
    assert entry.body_sha256 == hashlib.sha256(content).hexdigest()
    assert entry.path.startswith("/s3/") and "X-Amz-Signature=REDACTED" in entry.query
    assert entry.time.tzinfo is not None and entry.request_id
    statuses = s.requests(path="/v1/files/*/status")
    assert [r.operation for r in statuses] == ["getFileStatus", "getFileStatus"]
    assert [r.seq for r in s.requests(limit=2)] == [r.seq for r in s.requests()][-2:]
    assert s.requests(after=entry.seq) == s.requests()[2:]

    st = s.state()
    assert st.session == s.id and "haufe" in st.apis
    (obj,) = st.objects
    assert obj.size == len(content) and obj.sha256 == hashlib.sha256(content).hexdigest()


def test_assert_called_says_what_the_session_saw(fileemu_session):
    s = fileemu_session
    s.assert_called("getSignedUrl", 0)
    http("GET", s.url("haufe") + "/v1/files/signed-url?filename=a.txt", headers=HAUFE_HEADERS)
    with pytest.raises(AssertionError) as e:
        s.assert_called("getSignedUrl", 2)
    assert str(e.value) == (f"operation getSignedUrl called 1 times, want 2; session {s.id} saw: "
                            "GET /v1/files/signed-url (getSignedUrl)")


def test_sessions_are_isolated(fileemu, fileemu_session, expect_admin_error):
    with fileemu.session("other") as other:
        haufe_upload(other, "a.txt", b"a")
        assert other.count() == 2
        assert fileemu_session.count() == 0
    with expect_admin_error(), pytest.raises(fe.AdminError) as e:  # dropped on leaving the block
        fileemu.admin.get_session(other.id)
    assert e.value.status == 404


def test_reset_keeps_the_session(fileemu_session):
    s = fileemu_session
    haufe_upload(s, "a.txt", b"a")
    assert s.count() == 2 and s.state().objects
    s.reset()
    assert s.count() == 0 and s.state().objects == []
    assert s.url("haufe")  # still usable
    haufe_upload(s, "b.txt", b"b")
    assert s.count() == 2


def test_follow_streams_requests_completed_or_then_updated(fileemu_session):
    s = fileemu_session
    with s.follow(timeout=10, operation="putObject") as events:
        t = threading.Thread(target=haufe_upload, args=(s, "live.txt", b"live"))
        t.start()
        first = next(events)
        assert first.kind == "request" and first.request is not None and first.request.operation == "putObject"
        # It arrives completed (the stream batches), or an update completes it.
        done = first
        while not done.request.body_sha256:
            done = next(events)
            assert done.kind == "update" and done.request is not None
            assert done.request.seq == first.request.seq
        t.join()
    assert done.request.body_sha256 == hashlib.sha256(b"live").hexdigest()
    assert done.request.duration_ms > 0 and done.request.status == 200
    assert events.closed
    with pytest.raises(StopIteration):
        next(events)


def test_follow_times_out_and_resumes_after_a_seq(fileemu_session):
    s = fileemu_session
    events = s.follow(timeout=0.3)
    with pytest.raises(TimeoutError, match="no journal event within 0.3s"):
        next(events)
    assert events.closed
    haufe_upload(s, "a.txt", b"a")
    # after=0: what the journal holds first, oldest first.
    with s.follow(timeout=10, after=0) as again:
        kinds = [(e.kind, e.request.operation if e.request else "") for e in (next(again), next(again))]
    assert kinds[0] == ("request", "getSignedUrl")
    assert ("request", "putObject") in kinds or ("update", "getSignedUrl") in kinds


def test_follow_streams_close_with_the_session(fileemu):
    s = fileemu.session("streams")
    events = s.follow()
    s.close()
    assert events.closed


def test_unknown_filter_is_refused_before_sending(fileemu_session):
    with pytest.raises(TypeError, match="unknown journal filter 'operationId'"):
        fileemu_session.count(operationId="listFiles")


def test_a_request_that_breaks_the_spec_raises_with_the_message(fileemu_session, expect_admin_error):
    s = fileemu_session
    # status must be an integer of 100..599 (admin.yaml): the emulator refuses the request.
    with expect_admin_error(), pytest.raises(fe.AdminError) as e:
        s.count(status=99)
    err = e.value
    assert err.status in (400, 422) and err.method == "GET" and err.path == "/requests/count"
    assert err.message and err.message in str(err)
    assert any(v.get("name") == "status" for v in err.violations), err.violations
    # A session id the spec's pattern refuses.
    with expect_admin_error(), pytest.raises(fe.AdminError) as e:
        s.admin.create_session("no spaces")
    assert e.value.status == 422 and e.value.message


def test_activating_an_unknown_scenario_raises(fileemu_session, expect_admin_error):
    with expect_admin_error(), pytest.raises(fe.AdminError) as e:
        fileemu_session.activate_scenarios("no-such-scenario")
    assert e.value.status == 422 and "no-such-scenario" in e.value.message


def test_follow_resumes_after_last_event_id(fileemu_session):
    s = fileemu_session
    haufe_upload(s, "a.txt", b"a")
    first, put = s.requests()
    with s.admin.follow(s.id, timeout=10, last_event_id=first.seq) as events:
        ev = next(events)
    assert ev.kind == "request" and ev.request is not None and ev.request.seq == put.seq


def test_follow_ends_when_the_emulator_stops(started):
    emu = started()
    events = emu.admin.follow(timeout=10)  # every session's; not a session's, so close() leaves it open
    emu.close()
    with pytest.raises(StopIteration):
        next(events)
    assert events.closed
