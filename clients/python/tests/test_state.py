"""Scenarios, fixtures, generated data and snapshots, through a session."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile

import pytest

import fileemu as fe
from conftest import REPO, haufe_status, haufe_upload, http


def poll_done(s: fe.Session, file_id: str) -> dict:
    for _ in range(5):
        st = haufe_status(s, file_id)
        if st["processing_status"] != "PROCESSING":
            return st
    raise AssertionError(f"file {file_id} still processing: {st}")


def test_scenarios_load_for_the_session_and_activate(fileemu, fileemu_session):
    s = fileemu_session
    assert s.load_scenario(REPO / "scenarios/ready/virus.yaml") == ["virus"]
    file_id, _ = haufe_upload(s, "setup.exe", b"harmless bytes")
    assert poll_done(s, file_id)["processing_status"] == "PROCESSED"  # loaded, not active yet
    assert s.activate_scenarios("virus") == ["virus"]
    file_id, _ = haufe_upload(s, "setup.exe", b"harmless bytes")
    st = poll_done(s, file_id)
    assert st["processing_status"] == "FAILED" and st["warnings"]["infected"] is True
    (put,) = s.requests(operation="putObject", after=s.requests(operation="putObject")[0].seq)
    assert put.scenario == "virus"
    # Another session does not see this session's scenario.
    with fileemu.session("clean") as other:
        file_id, _ = haufe_upload(other, "setup.exe", b"harmless bytes")
        assert poll_done(other, file_id)["processing_status"] == "PROCESSED"


def test_scenario_text_with_problems_raises_with_positions(fileemu_session, expect_admin_error):
    doc = "scenarios:\n  - name: broken\n    rules:\n      - match: {operation: noSuchOperation}\n        status: 503\n"
    with expect_admin_error(), pytest.raises(fe.AdminError) as e:
        fileemu_session.load_scenario_text(doc)
    err = e.value
    assert err.status == 422 and err.code == "invalid_scenarios"
    assert err.problems and all("message" in p for p in err.problems)
    assert any(p.get("line") == 4 for p in err.problems), err.problems
    assert "noSuchOperation" in err.message


def test_scenario_text_active_applies_at_once(fileemu_session):
    s = fileemu_session
    names = s.load_scenario_text(
        "scenarios:\n  - name: no-desk\n    active: true\n    rules:\n"
        "      - match: {operation: listFiles}\n        respond: 503\n"
    )
    assert names == ["no-desk"]
    assert http("GET", s.url("desk") + "/files.json", headers={"Authorization": "Bearer k"}).status == 503
    (r,) = s.requests(operation="listFiles")
    assert r.status == 503 and r.scenario == "no-desk"


def test_fixtures_read_path_contents_on_this_machine(fileemu_session):
    s = fileemu_session
    loaded = s.load_fixtures(REPO / "examples/fixtures/fixtures.yaml")
    assert loaded["weavy"]["apps"] == 2 and loaded["desk"]["files"] == 3
    welcome = (REPO / "examples/fixtures/welcome.txt").read_bytes()
    assert hashlib.sha256(welcome).hexdigest() in {o.sha256 for o in s.state().objects}
    got = http("GET", s.url("weavy") + "/api/apps/team-docs/files", headers={"Authorization": "Bearer k"})
    assert "welcome.txt" in [f["name"] for f in got.json()["data"]]


def test_resolve_fixtures_forms(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a b.txt").write_bytes(b"A")
    (tmp_path / "b.txt").write_bytes(b"B")
    doc = tmp_path / "f.yaml"
    doc.write_text(
        "fixtures:\n"
        "  desk:\n"
        "    files:\n"
        "      - name: a.txt\n"
        "        content: {path: 'data/a b.txt'}   # quoted\n"
        "      - name: b.txt\n"
        "        content:\n"
        "          path: b.txt\n"
        "      - {name: c.txt, content: {path: \"b.txt\"}}\n"
        "      - name: d.txt\n"
        "        metadata: {path: b.txt}   # not a content: kept\n"
        "        content: plain text path: b.txt\n"
    )
    out = fe.resolve_fixtures(doc).decode().split("\n")
    assert out[4] == "        content: {base64: QQ==}   # quoted"
    assert out[7] == "          base64: Qg=="
    assert out[8] == "      - {name: c.txt, content: {base64: Qg==}}"
    assert out[10] == "        metadata: {path: b.txt}   # not a content: kept"
    assert out[11] == "        content: plain text path: b.txt"
    js = tmp_path / "f.json"
    js.write_text(json.dumps({"fixtures": {"desk": {"files": [{"name": "b", "content": {"path": "b.txt"}},
                                                             {"name": "m", "metadata": {"path": "b.txt"}}]}}}))
    files = json.loads(fe.resolve_fixtures(js))["fixtures"]["desk"]["files"]
    assert files == [{"name": "b", "content": {"base64": "Qg=="}}, {"name": "m", "metadata": {"path": "b.txt"}}]


def test_resolve_fixtures_missing_path(tmp_path):
    doc = tmp_path / "f.yaml"
    doc.write_text("fixtures:\n  desk:\n    files:\n      - name: a\n        content: {path: gone.txt}\n")
    with pytest.raises(fe.FixtureError, match=r"f\.yaml:5: path 'gone.txt': No such file"):
        fe.resolve_fixtures(doc)
    with pytest.raises(fe.FixtureError, match="must be relative"):
        doc.write_text("fixtures:\n  desk:\n    files:\n      - name: a\n        content: {path: /etc/hosts}\n")
        fe.resolve_fixtures(doc)


def test_fixtures_with_problems_leave_the_session_as_it_was(fileemu_session, tmp_path, expect_admin_error):
    s = fileemu_session
    haufe_upload(s, "kept.txt", b"kept")
    doc = tmp_path / "bad.yaml"
    doc.write_text("fixtures:\n  desk:\n    files:\n      - name: a.txt\n        colour: red\n")
    with expect_admin_error(), pytest.raises(fe.AdminError) as e:
        s.load_fixtures(doc)
    assert e.value.status == 422 and e.value.code == "invalid_fixtures"
    assert {"line": 5, "column": 9} in [{"line": p["line"], "column": p["column"]} for p in e.value.problems]
    assert "colour" in e.value.message
    assert [o.size for o in s.state().objects] == [4]


def test_seed(fileemu_session):
    s = fileemu_session
    loaded = s.seed({"seed": 7, "weavy": {"apps": 2, "files": 3}})
    assert loaded["weavy"] == {"apps": 2, "files": 3}
    first = s.state()
    assert s.seed('{"seed": 7, "weavy": {"apps": 2, "files": 3}}')["weavy"]["files"] == 3
    assert [o.sha256 for o in s.state().objects] == [o.sha256 for o in first.objects]  # same seed, same bytes


def test_snapshot_and_restore(fileemu, fileemu_session, tmp_path):
    s = fileemu_session
    file_id, _ = haufe_upload(s, "kept.txt", b"kept for later")
    archive = s.snapshot()
    assert archive[257:262] == b"ustar"  # a tar archive
    with fileemu.session("restored") as other:
        other.restore(archive)
        assert [o.sha256 for o in other.state().objects] == [o.sha256 for o in s.state().objects]
        assert poll_done(other, file_id)["processing_status"] == "PROCESSED"
    # Streamed both ways: into a file and back from it.
    f = tmp_path / "snap.tar"
    with open(f, "wb") as w:
        s.snapshot_to(w)
    with tarfile.open(f) as t:  # the state may have moved on (processing), the objects not
        assert t.extractfile("objects/000001").read() == b"kept for later"
    s.reset()
    assert s.state().objects == []
    with open(f, "rb") as r:
        s.restore(r)
    assert len(s.state().objects) == 1


def test_restore_refuses_what_it_cannot_read(fileemu_session, expect_admin_error):
    s = fileemu_session
    haufe_upload(s, "kept.txt", b"kept")
    with expect_admin_error(), pytest.raises(fe.AdminError) as e:
        s.restore(io.BytesIO(b"not a tar archive" * 100))
    assert e.value.status == 422 and e.value.code == "invalid_snapshot"
    assert e.value.member == "" and e.value.message
    assert len(s.state().objects) == 1
