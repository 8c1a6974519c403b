"""The OpenAPI 3 description, generated from the endpoint table (served at /api/openapi.json)."""
from __future__ import annotations

import re

from ..domain.errors import ERROR_CODES
from .endpoints import Endpoint

ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string", "enum": sorted(ERROR_CODES)},
        "message": {"type": "string"}, "details": {"type": "object"}}}},
}


def build_spec(endpoints: tuple[Endpoint, ...], version: str = "0.1.0") -> dict:
    paths: dict = {}
    for ep in endpoints:
        paths.setdefault(ep.path, {})[ep.method.lower()] = _operation(ep)
    return {
        "openapi": "3.0.3",
        "info": {"title": "hallq", "version": version,
                 "description": "Queue and kiosk system for an administrative service center. Errors share one "
                                "shape; see docs/api.md for every error code."},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A device token or a staff session token."}},
            "schemas": {"Error": ERROR_SCHEMA},
        },
    }


def _operation(ep: Endpoint) -> dict:
    op = {"operationId": ep.operation_id, "summary": ep.summary, "tags": [ep.tag],
          "parameters": _parameters(ep), "responses": _responses(ep)}
    op["description"] = f"Roles: {', '.join(ep.roles) if ep.roles else 'public'}."
    if ep.roles:
        op["security"] = [{"bearer": []}]
    if ep.body is not None:
        required = [name for name, f in ep.body.items() if f.required]
        schema = {"type": "object", "additionalProperties": False,
                  "properties": {name: f.openapi() for name, f in ep.body.items()}}
        if required:
            schema["required"] = required
        op["requestBody"] = {"required": bool(required), "content": {"application/json": {"schema": schema}}}
    return op


def _parameters(ep: Endpoint) -> list[dict]:
    params = []
    for name in re.findall(r"{(\w+)}", ep.path):
        text = name in ("token", "table")
        schema = {"type": "string", "maxLength": 100} if text else {"type": "integer", "minimum": 1}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    for name, f in ep.query.items():
        params.append({"name": name, "in": "query", "required": False, "schema": f.openapi()})
    return params


def _responses(ep: Endpoint) -> dict:
    error = {"description": "Error (see docs/api.md)", "content": {"application/json": {"schema": {
        "$ref": "#/components/schemas/Error"}}}}
    responses = {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
                 "default": error}
    for status in sorted({ERROR_CODES[code][0] for code in ep.errors}):
        responses[str(status)] = error
    return responses
