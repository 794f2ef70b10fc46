"""Checks the client's admin calls against openapi/admin.yaml, the source of truth.

Every call the client makes is recorded (``Admin.observers``); at the end of the run each is
checked: the operation exists, the query parameters are declared and valid, a JSON request body
matches the operation's schema, the status is documented, a JSON answer matches its schema, and
no call was answered 4xx unless the test said it expected that (``expect_admin_error``).
The schema check is the subset of OpenAPI 3.0 admin.yaml uses; a keyword it does not know fails
the check, so the spec cannot outgrow it unnoticed.
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

import yaml

from fileemu import Exchange

SPEC_FILE = Path(__file__).resolve().parents[3] / "openapi" / "admin.yaml"

# Keywords that only document: they never make a value invalid.
_DOC_KEYWORDS = {"description", "example", "default", "title"}


class Spec:
    def __init__(self, path: Path = SPEC_FILE) -> None:
        self.doc = yaml.safe_load(path.read_text())
        self.routes: list[tuple[re.Pattern[str], str, dict[str, Any]]] = []
        for template, item in self.doc["paths"].items():
            rx = re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$")
            self.routes.append((rx, template, item))

    def deref(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            assert ref.startswith("#/"), ref
            node = self.doc
            for part in ref[2:].split("/"):
                node = node[part]
        return node

    def operation(self, method: str, path: str) -> tuple[dict[str, Any] | None, dict[str, str], list[dict[str, Any]]]:
        for rx, _, item in self.routes:
            m = rx.match(path)
            if m and method.lower() in item:
                params = [self.deref(p) for p in item.get("parameters", [])]
                return item[method.lower()], m.groupdict(), params
        return None, {}, []

    # ---- schema subset ----

    def validate(self, schema: Any, value: Any, where: str = "") -> list[str]:
        schema = self.deref(schema)
        errs: list[str] = []
        unknown = set(schema) - _DOC_KEYWORDS - {
            "type", "properties", "required", "additionalProperties", "items", "enum", "minimum", "maximum",
            "minLength", "maxLength", "pattern", "minItems", "format", "nullable",
        }
        if unknown:
            return [f"{where or '/'}: the checker does not know {sorted(unknown)}"]
        if value is None:
            return [] if schema.get("nullable") else [f"{where or '/'}: null"]
        t = schema.get("type")
        types: dict[str, Any] = {
            "object": dict, "array": list, "string": str, "boolean": bool,
            "integer": int, "number": (int, float),
        }
        if t:
            ok = isinstance(value, types[t]) and not (t in ("integer", "number") and isinstance(value, bool))
            if t == "integer" and isinstance(value, float) and value.is_integer():
                ok = True
            if not ok:
                return [f"{where or '/'}: {type(value).__name__} is not {t}"]
        if "enum" in schema and value not in schema["enum"]:
            errs.append(f"{where or '/'}: {value!r} not in {schema['enum']}")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if "minimum" in schema and value < schema["minimum"]:
                errs.append(f"{where or '/'}: {value} < {schema['minimum']}")
            if "maximum" in schema and value > schema["maximum"]:
                errs.append(f"{where or '/'}: {value} > {schema['maximum']}")
        if isinstance(value, str):
            if len(value) < schema.get("minLength", 0):
                errs.append(f"{where or '/'}: shorter than {schema['minLength']}")
            if "maxLength" in schema and len(value) > schema["maxLength"]:
                errs.append(f"{where or '/'}: longer than {schema['maxLength']}")
            if "pattern" in schema and not re.search(schema["pattern"], value):
                errs.append(f"{where or '/'}: {value!r} does not match {schema['pattern']}")
            if schema.get("format") == "date-time":
                try:
                    datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", value).replace("Z", "+00:00"))
                except ValueError:
                    errs.append(f"{where or '/'}: {value!r} is not a date-time")
        if isinstance(value, list):
            if len(value) < schema.get("minItems", 0):
                errs.append(f"{where or '/'}: fewer than {schema['minItems']} items")
            if "items" in schema:
                for i, v in enumerate(value):
                    errs += self.validate(schema["items"], v, f"{where}/{i}")
        if isinstance(value, dict):
            props = schema.get("properties", {})
            for name in schema.get("required", []):
                if name not in value:
                    errs.append(f"{where or '/'}: {name} is required")
            extra = schema.get("additionalProperties", True)
            for k, v in value.items():
                if k in props:
                    errs += self.validate(props[k], v, f"{where}/{k}")
                elif extra is False:
                    errs.append(f"{where or '/'}: {k} is not allowed")
                elif isinstance(extra, dict):
                    errs += self.validate(extra, v, f"{where}/{k}")
        return errs

    def parameter(self, schema: Any, text: str, where: str) -> list[str]:
        """A path or query parameter: text, typed by its schema."""
        t = self.deref(schema).get("type")
        value: Any = text
        try:
            if t == "integer":
                value = int(text)
            elif t == "number":
                value = float(text)
            elif t == "boolean":
                if text not in ("true", "false"):
                    return [f"{where}: {text!r} is not a boolean"]
                value = text == "true"
        except ValueError:
            return [f"{where}: {text!r} is not {t}"]
        return self.validate(schema, value, where)

    def check(self, ex: Exchange, expected_error: bool) -> list[str]:
        name = f"{ex.method} {ex.path}"
        op, path_params, shared = self.operation(ex.method, ex.path)
        if op is None:
            return [f"{name}: no such operation in admin.yaml"]
        name = f"{op['operationId']} ({name} -> {ex.status})"
        errs: list[str] = []
        params = {(p["in"], p["name"]): p for p in shared + [self.deref(p) for p in op.get("parameters", [])]}
        if not expected_error:
            for k, v in path_params.items():
                from urllib.parse import unquote

                errs += self.parameter(params[("path", k)]["schema"], unquote(v), f"path {k}")
            for k, v in ex.query.items():
                p = params.get(("query", k))
                if p is None:
                    errs.append(f"query {k}: not a parameter of the operation")
                else:
                    errs += self.parameter(p["schema"], v, f"query {k}")
            rb = op.get("requestBody")
            if rb and self.deref(rb).get("required") and ex.request_content_type == "":
                errs.append("request body: required, none sent")
            if ex.request_body is not None:
                content = self.deref(rb or {}).get("content", {})
                media = ex.request_content_type.split(";")[0].strip()
                if media not in content:
                    errs.append(f"request body: {media!r} is not among {sorted(content)}")
                elif media == "application/json":
                    errs += [f"request body {e}" for e in self.validate(content[media]["schema"], json.loads(ex.request_body))]
            if 400 <= ex.status < 500:
                errs.append(f"answered {ex.status} and the test did not expect an error: {ex.response_body!r}")
        resp = op["responses"].get(str(ex.status)) or op["responses"].get("default")
        if resp is None:
            return errs + [f"status {ex.status} is not documented"]
        content = self.deref(resp).get("content", {})
        media = ex.response_content_type.split(";")[0].strip()
        if content and media not in content:
            errs.append(f"answer: {media!r} is not among {sorted(content)}")
        elif media == "application/json" and ex.response_body is not None:
            errs += [f"answer {e}" for e in self.validate(content[media]["schema"], json.loads(ex.response_body))]
        return [f"{name}: {e}" for e in errs]


@dataclass
class Recorded:
    exchange: Exchange
    expected_error: bool
    test: str


class Recorder:
    """Collects the admin calls of the run and checks them at the end."""

    def __init__(self) -> None:
        self.calls: list[Recorded] = []
        self.expecting = 0
        self.test = ""

    def __call__(self, ex: Exchange) -> None:
        self.calls.append(Recorded(ex, self.expecting > 0, self.test))

    @contextmanager
    def expect_error(self) -> Iterator[None]:
        self.expecting += 1
        try:
            yield
        finally:
            self.expecting -= 1

    def problems(self, spec: Spec) -> list[str]:
        out = []
        for r in self.calls:
            out += [f"{r.test}: {p}" for p in spec.check(r.exchange, r.expected_error)]
        return out
