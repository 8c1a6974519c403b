"""Request body fields: one definition validates the body and describes it in OpenAPI."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..domain.errors import DomainError

MAX_NUMBER = 2**53 - 1  # numbers beyond this lose precision in JavaScript; no field needs them
_JSON_TYPES = {"string": str, "integer": int, "boolean": bool, "number": (int, float), "array": list, "object": dict}


@dataclass(frozen=True)
class Field:
    type: str  # string | integer | boolean | number | array (of strings)
    required: bool = False
    doc: str = ""
    enum: tuple[str, ...] | None = None
    max_length: int = 200
    minimum: float | None = None
    maximum: float | None = None

    def check(self, name: str, value: Any) -> Any:
        if not _is_type(value, self.type):
            raise DomainError("invalid_argument", f"{name} must be a {self.type}", field=name)
        if self.enum is not None and value not in self.enum:
            raise DomainError("invalid_argument", f"{name} must be one of: {', '.join(self.enum)}", field=name)
        if self.type == "string" and len(value) > self.max_length:
            raise DomainError("invalid_argument", f"{name} is longer than {self.max_length} characters", field=name)
        if self.type == "array" and (len(value) > 50 or not all(isinstance(v, str) and len(v) <= 200 for v in value)):
            raise DomainError("invalid_argument", f"{name} must be a list of at most 50 short strings", field=name)
        if self.type in ("integer", "number"):
            self._check_range(name, value)
        return value

    def _check_range(self, name: str, value: float) -> None:
        low = self.minimum if self.minimum is not None else -MAX_NUMBER
        high = self.maximum if self.maximum is not None else MAX_NUMBER
        if not (math.isfinite(value) and low <= value <= high):
            raise DomainError("invalid_field", f"{name} must be a number from {low:g} to {high:g}", field=name)

    def openapi(self) -> dict:
        schema: dict = {"type": self.type, "description": self.doc}
        if self.type == "array":
            schema["items"] = {"type": "string", "maxLength": 200}
            schema["maxItems"] = 50
        if self.type == "string":
            schema["maxLength"] = self.max_length
        if self.enum:
            schema["enum"] = list(self.enum)
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema


def _is_type(value: Any, type_name: str) -> bool:
    if isinstance(value, bool) and type_name in ("integer", "number"):
        return False
    return isinstance(value, _JSON_TYPES[type_name])


REQUEST_ID = Field("string", doc="Client request id: a retry with the same id returns the first result "
                   "and changes nothing.", max_length=100)


def parse_fields(schema: dict[str, Field], body: Any) -> dict:
    if not isinstance(body, dict):
        raise DomainError("malformed_request", "the body must be a JSON object")
    unknown = sorted(set(body) - set(schema))
    if unknown:
        raise DomainError("invalid_argument", f"unknown field(s): {', '.join(unknown)}", fields=unknown)
    values = {}
    for name, spec in schema.items():
        if body.get(name) is None:
            if spec.required:
                raise DomainError("invalid_argument", f"{name} is required", field=name)
            continue
        values[name] = spec.check(name, body[name])
    return values
