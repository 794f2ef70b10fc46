"""Fixture files read on the test's machine: ``path:`` contents become ``base64:``.

The admin API refuses ``path:`` contents (a document sent over HTTP has no directory), so the
client reads them next to the fixture file, as Go's ``testkit.ResolveFixtures`` does. Without a
YAML parser in the standard library, YAML files are rewritten line by line, only where a
``path:`` is the content of a ``content:`` key (``content: {path: a.txt}`` or ``content:``
followed by an indented ``path: a.txt``): every line keeps its number, so the emulator's
line:column problems still point into the file. JSON files are rewritten as parsed data.
"""

from __future__ import annotations

import base64
import json
import os
import re
from typing import Any

from .errors import FileemuError

# A scalar as YAML writes a file name: plain (no flow or comment characters), or quoted.
_SCALAR = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s,{}\[\]#"'][^,{}\[\]#]*?)"""
_FLOW = re.compile(r"(?P<pre>\bcontent:\s*\{\s*)path:\s*(?P<v>" + _SCALAR + r")(?P<post>\s*\})")
_CONTENT_KEY = re.compile(r"^(?P<indent>[ -]*)content:\s*(?:#.*)?$")
_BLOCK = re.compile(r"^(?P<indent>\s*)path:\s*(?P<v>" + _SCALAR + r")\s*(?:#.*)?$")


class FixtureError(FileemuError):
    """A fixture file could not be read or one of its ``path:`` contents is missing."""


def _unquote(v: str) -> str:
    v = v.strip()
    if v.startswith('"'):
        return str(json.loads(v))
    if v.startswith("'"):
        return v[1:-1].replace("''", "'")
    return v


def _read(base: str, rel: str, where: str) -> str:
    if not rel or os.path.isabs(rel):
        raise FixtureError(f"{where}: path {rel!r} must be relative to the fixture file")
    full = os.path.join(base, *rel.split("/"))
    try:
        with open(full, "rb") as f:
            return base64.b64encode(f.read()).decode()
    except OSError as e:
        raise FixtureError(f"{where}: path {rel!r}: {e.strerror or e}") from e


def _resolve_yaml(text: str, base: str, name: str) -> str:
    lines = text.split("\n")
    content_indent: int | None = None  # set after a bare "content:" line
    for i, line in enumerate(lines):
        where = f"{name}:{i + 1}"
        line = _FLOW.sub(lambda m: f"{m['pre']}base64: {_read(base, _unquote(m['v']), where)}{m['post']}", line)
        if content_indent is not None:
            m = _BLOCK.match(line)
            if m and len(m["indent"]) > content_indent:
                line = f"{m['indent']}base64: {_read(base, _unquote(m['v']), where)}"
            if line.strip() and not line.lstrip().startswith("#"):
                content_indent = None  # the mapping's first key decides
        m = _CONTENT_KEY.match(line)
        if m:
            content_indent = len(m["indent"])
        lines[i] = line
    return "\n".join(lines)


def _resolve_json(node: Any, base: str, name: str) -> Any:
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "content" and isinstance(v, dict) and set(v) == {"path"} and isinstance(v["path"], str):
                out[k] = {"base64": _read(base, v["path"], name)}
            else:
                out[k] = _resolve_json(v, base, name)
        return out
    if isinstance(node, list):
        return [_resolve_json(v, base, name) for v in node]
    return node


def resolve_fixtures(file: str | os.PathLike[str]) -> bytes:
    """Reads a fixture file (YAML or JSON) and returns the document ``PUT /__admin/fixtures``
    takes, its ``path:`` contents read relative to the file's directory."""
    path = os.fspath(file)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise FixtureError(f"fixtures: {path}: {e.strerror or e}") from e
    base = os.path.dirname(os.path.abspath(path))
    if path.endswith(".json"):
        try:
            doc = json.loads(text)
        except ValueError as e:
            raise FixtureError(f"{path}: {e}") from e
        return json.dumps(_resolve_json(doc, base, path)).encode()
    return _resolve_yaml(text, base, path).encode()
