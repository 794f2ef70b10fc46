"""The pytest plugin, run in a pytest of its own: loaded with -p or through its entry point."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest

import fileemu as fe

pytest_plugins = ["pytester"]

PACKAGE = Path(__file__).resolve().parents[1]

INNER = '''
import json, os

def record(s, emu):
    with open(os.environ["FILEEMU_TEST_OUT"], "a") as f:
        f.write(json.dumps({"id": s.id, "url": emu.url, "pid": emu.process.pid if emu.process else None}) + "\\n")

def test_one(fileemu_session, fileemu):
    record(fileemu_session, fileemu)
    assert fileemu_session.url("desk") == fileemu.url + "/_s/" + fileemu_session.id + "/desk/api/v2"
    assert fileemu_session.count() == 0

def test_two(fileemu_session, fileemu):
    record(fileemu_session, fileemu)
    fileemu_session.clock.advance("1h")
'''


def run_inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *args: str,
              pythonpath: str = str(PACKAGE)) -> list[dict]:
    """Runs INNER in a pytest of its own with the package from this checkout (not installed)."""
    out = pytester.path / "out.jsonl"
    monkeypatch.setenv("FILEEMU_TEST_OUT", str(out))
    monkeypatch.setenv("PYTHONPATH", pythonpath)
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess(*args, "-q")
    result.assert_outcomes(passed=2)
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_sessions_per_test_on_the_emulator_at_fileemu_url(pytester, monkeypatch, fileemu, expect_admin_error):
    monkeypatch.setenv("FILEEMU_URL", fileemu.url)
    runs = run_inner(pytester, monkeypatch, "-p", "fileemu.pytest_plugin")
    assert [r["url"] for r in runs] == [fileemu.url, fileemu.url] and runs[0]["pid"] is None
    assert runs[0]["id"].startswith("test_one-") and runs[1]["id"].startswith("test_two-")
    for r in runs:  # dropped after each test
        with expect_admin_error(), pytest.raises(fe.AdminError) as e:
            fileemu.admin.get_session(r["id"])
        assert e.value.status == 404


def test_the_fixture_starts_and_stops_the_binary(pytester, monkeypatch, fileemu):
    monkeypatch.delenv("FILEEMU_URL", raising=False)
    if not os.environ.get("FILEEMU_BIN"):
        pytest.skip("FILEEMU_BIN is not set")
    runs = run_inner(pytester, monkeypatch, "-p", "fileemu.pytest_plugin")
    assert runs[0]["pid"] and runs[0]["pid"] == runs[1]["pid"]  # one emulator for the run
    assert runs[0]["url"] != fileemu.url
    with pytest.raises(ProcessLookupError):
        os.kill(runs[0]["pid"], 0)  # stopped (and reaped) at the end of the run


@pytest.mark.parametrize("with_p", [False, True])
def test_entry_point(pytester, monkeypatch, fileemu, with_p):
    """Installed, the pytest11 entry point of pyproject.toml loads the plugin; -p on top of it
    loads it once, not twice."""
    meta = tomllib.loads((PACKAGE / "pyproject.toml").read_text())["project"]
    eps = meta["entry-points"]["pytest11"]
    site = pytester.path / "site"
    dist = site / f"{meta['name']}-{meta['version']}.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {meta['name']}\nVersion: {meta['version']}\n")
    (dist / "entry_points.txt").write_text("[pytest11]\n" + "".join(f"{k} = {v}\n" for k, v in eps.items()))
    monkeypatch.setenv("FILEEMU_URL", fileemu.url)
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    run_inner(pytester, monkeypatch, *(["-p", "fileemu.pytest_plugin"] if with_p else []),
              pythonpath=os.pathsep.join([str(site), str(PACKAGE)]))  # as if installed


def test_readme_quick_start_runs(pytester, monkeypatch, fileemu):
    """The README's first example is a test: it runs as written."""
    import re

    block = re.findall(r"```python\n(.*?)```", (PACKAGE / "README.md").read_text(), re.S)[0]
    pytester.makepyfile(test_readme=block)
    monkeypatch.setenv("PYTHONPATH", str(PACKAGE))
    monkeypatch.setenv("FILEEMU_URL", fileemu.url)
    pytester.runpytest_subprocess("-p", "fileemu.pytest_plugin", "-q").assert_outcomes(passed=1)
