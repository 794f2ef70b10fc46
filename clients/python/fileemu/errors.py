"""The errors the client raises."""

from __future__ import annotations

from typing import Any


class FileemuError(Exception):
    """Base of every error this package raises."""


class StartError(FileemuError):
    """The binary could not be found, did not start or did not become healthy."""


class AdminError(FileemuError):
    """The admin API answered with a status the call does not expect.

    The emulator validates admin requests against ``openapi/admin.yaml``: a request that breaks
    the spec is answered 400 or 422, and this error carries the answer's ``message`` and
    ``violations``. Fixture and scenario documents with problems carry ``problems`` (line,
    column, message); a snapshot the emulator cannot read names the archive ``member`` at fault.
    """

    def __init__(self, method: str, path: str, status: int, body: bytes) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.body = body
        self.code = ""
        self.message = body.decode("utf-8", "replace").strip()
        self.violations: list[dict[str, Any]] = []
        self.problems: list[dict[str, Any]] = []
        self.member: str | None = None
        try:
            import json

            doc = json.loads(body)
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            self.code = str(doc.get("error", ""))
            self.message = str(doc.get("message", self.message))
            self.violations = list(doc.get("violations") or [])
            self.problems = list(doc.get("problems") or [])
            if "member" in doc:
                self.member = str(doc["member"])
        super().__init__(self._text())

    def _text(self) -> str:
        text = f"admin {self.method} {self.path}: status {self.status}"
        if self.code:
            text += f" {self.code}"
        if self.message:
            text += f": {self.message}"
        for v in self.violations:
            where = "/".join(str(v.get(k)) for k in ("in", "name") if v.get(k))
            text += f"\n  - {where}: {v.get('message', v)}"
        return text
