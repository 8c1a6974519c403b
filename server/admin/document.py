"""The hall's configuration document: the parsed TOML without [server], and its TOML text.

A stored version is this document as JSON. `[server]` (host, port, database path...) says how one
process runs and always comes from the file or the command line, never from the database.
Writing TOML back is done here (tomllib only reads): the values are the few kinds the schema
knows, so a small writer is enough, and `to_toml(doc)` parses back to exactly `doc`.
"""
from __future__ import annotations

import json
import math
import re
import tomllib
from pathlib import Path
from typing import Any

NOT_STORED = ("server",)
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
HEADER = "# hallq hall configuration, written by `hallq config export`; check it with `hallq check-config`.\n"


def hall_document(raw: dict) -> dict:
    """The part of a parsed TOML file that is stored as a configuration version."""
    return {key: value for key, value in raw.items() if key not in NOT_STORED}


def with_server(doc: dict, server: dict | None) -> dict:
    """A full file document: the stored document with a [server] table put back (after [rules])."""
    if not server:
        return dict(doc)
    out: dict = {}
    for key, value in doc.items():
        out[key] = value
        if key == "rules":
            out["server"] = server
    out.setdefault("server", server)
    return out


def read_toml(path: str | Path) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


def canonical(doc: dict) -> str:
    """One text per document: compare two documents, or fingerprint one."""
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# --- writing TOML -----------------------------------------------------------------------------------

def to_toml(doc: dict, header: str = "") -> str:
    """TOML text for a document: plain keys first, then [tables], then [[arrays of tables]]."""
    lines = [header.rstrip("\n")] if header else []
    plain = {k: v for k, v in doc.items() if not _is_table(v) and not _is_table_array(v)}
    lines += [f"{_key(k)} = {_value(v)}" for k, v in plain.items()]
    for key, value in doc.items():
        if _is_table(value):
            lines += ["", f"[{_key(key)}]"] + [f"{_key(k)} = {_value(v)}" for k, v in value.items()]
        elif _is_table_array(value):
            for item in value:
                lines += ["", f"[[{_key(key)}]]"] + [f"{_key(k)} = {_value(v)}" for k, v in item.items()]
    return "\n".join(lines).lstrip("\n") + "\n"


def _is_table(value: Any) -> bool:
    return isinstance(value, dict)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)


def _string(text: str) -> str:
    # JSON's escapes are TOML's (\", \\, \n, \uXXXX); DEL must be escaped in TOML as well.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }" if value else "{}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _float(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = repr(value)
    return text if any(ch in text for ch in ".en") else text + ".0"
