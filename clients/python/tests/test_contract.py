"""The contract check itself: it must fail on what breaks openapi/admin.yaml."""

from __future__ import annotations

import json

from admin_contract import Recorder, Spec
from fileemu import Exchange

SPEC = Spec()
SESSION = {"id": "s-1", "created": "2026-11-26T06:00:00.123456789Z", "objects": 0, "bytes": 0}


def ex(method: str, path: str, status: int, *, query=None, body=None, answer=None) -> Exchange:
    return Exchange(
        method=method, path=path, query=query or {}, status=status,
        request_content_type="application/json" if body is not None else "",
        request_body=json.dumps(body).encode() if body is not None else None,
        response_content_type="application/json" if answer is not None else "",
        response_body=json.dumps(answer).encode() if answer is not None else None,
    )


def test_a_good_call_passes():
    assert SPEC.check(ex("POST", "/__admin/sessions", 201, body={"id": "s-1"}, answer=SESSION), False) == []
    assert SPEC.check(ex("GET", "/__admin/requests/count", 200, query={"session": "s-1", "status": "200"},
                         answer={"count": 3}), False) == []
    assert SPEC.check(ex("DELETE", "/__admin/sessions/s-1", 204), False) == []


def test_what_breaks_the_spec_is_reported():
    cases = {
        "no such operation": ex("PATCH", "/__admin/sessions", 200),
        "not a parameter": ex("GET", "/__admin/requests/count", 200, query={"operationId": "x"}, answer={"count": 1}),
        "does not match": ex("GET", "/__admin/sessions/bad%20id", 200, answer=SESSION),
        "> 599": ex("GET", "/__admin/requests", 200, query={"status": "600"}, answer={"requests": []}),
        "is not allowed": ex("POST", "/__admin/sessions", 201, body={"id": "a", "name": "b"}, answer=SESSION),
        "fewer than 1 items": ex("POST", "/__admin/sessions/s-1/scenarios", 200, body={"names": []}, answer={"active": []}),
        "not documented": ex("GET", "/__admin/health", 500, answer={"error": "x", "message": "y"}),
        "count is required": ex("GET", "/__admin/requests/count", 200, answer={"n": 1}),
        "str is not integer": ex("GET", "/__admin/requests/count", 200, answer={"count": "1"}),
        "is not a date-time": ex("POST", "/__admin/sessions", 201, body={}, answer={**SESSION, "created": "yesterday"}),
        "did not expect an error": ex("GET", "/__admin/sessions/s-2", 404, answer={"error": "not_found", "message": "no"}),
    }
    for want, call in cases.items():
        problems = SPEC.check(call, False)
        assert any(want in p for p in problems), (want, problems)


def test_an_expected_error_is_still_checked_against_the_spec():
    err = {"error": "not_found", "message": "no session s-2"}
    assert SPEC.check(ex("GET", "/__admin/sessions/s-2", 404, answer=err), True) == []
    assert SPEC.check(ex("GET", "/__admin/sessions/s-2", 404, answer={"message": "no"}), True) != []
    assert SPEC.check(ex("GET", "/__admin/health", 404, answer=err), True) != []  # 404 undocumented there


def test_the_recorder_marks_expected_errors():
    r = Recorder()
    r(ex("GET", "/__admin/sessions/s-2", 404, answer={"error": "not_found", "message": "no"}))
    with r.expect_error():
        r(ex("GET", "/__admin/sessions/s-3", 404, answer={"error": "not_found", "message": "no"}))
    assert [c.expected_error for c in r.calls] == [False, True]
    assert len(r.problems(SPEC)) == 1


def test_the_run_records_this_clients_calls(admin_contract, fileemu_session):
    n = len(admin_contract.calls)
    fileemu_session.count(operation="listFiles")
    (last,) = admin_contract.calls[n:]
    assert last.exchange.path == "/__admin/requests/count" and last.exchange.status == 200
    assert last.exchange.query == {"session": fileemu_session.id, "operation": "listFiles"}
    assert SPEC.check(last.exchange, last.expected_error) == []
