"""docs/configuration.md documents every key the validator knows, and nothing it does not."""
import re
import tomllib
from dataclasses import fields
from pathlib import Path

import pytest

from server.config import parse_config
from server.config_schema import ARRAY_TABLES, SCHEMA
from server.voice.templates import VoiceSettings

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def _header(table: str) -> str:
    return f"[[{table}]]" if table in ARRAY_TABLES else f"[{table}]"


def _without_code_blocks(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def _section(table: str) -> str:
    """Text from the heading naming `table` to the next heading (code blocks removed)."""
    text = _without_code_blocks(DOC.read_text(encoding="utf-8"))
    match = re.search(rf"^#+ `{re.escape(_header(table))}`\n(.*?)(?=^#|\Z)", text, flags=re.S | re.M)
    assert match, f"docs/configuration.md has no heading for `{_header(table)}`"
    return match.group(1)


def _key_rows(table: str) -> str:
    """The rows of the section's key table (the Markdown table whose first column is `key`)."""
    match = re.search(r"^\| key \|.*\n\|[-|]+\|\n((?:\|.*\n?)*)", _section(table), flags=re.M)
    assert match, f"docs/configuration.md, `{_header(table)}`: no key table"
    return match.group(1)


def _documented_keys(table: str) -> set[str]:
    return set(re.findall(r"^\| `([a-z_]+)` \|", _key_rows(table), flags=re.M))


@pytest.mark.parametrize("table", list(SCHEMA))
def test_every_key_is_documented(table):
    missing = sorted(set(SCHEMA[table]) - _documented_keys(table))
    assert not missing, f"docs/configuration.md, `{_header(table)}`: undocumented keys {missing}"


@pytest.mark.parametrize("table", list(SCHEMA))
def test_no_documented_key_is_unknown(table):
    stale = sorted(_documented_keys(table) - set(SCHEMA[table]))
    assert not stale, f"docs/configuration.md, `{_header(table)}`: keys the validator does not know {stale}"


def test_documented_defaults_match_schema():
    for table, spec in SCHEMA.items():
        for key, k in spec.items():
            row = re.search(rf"^\| `{key}` \| (\w+) \|", _key_rows(table), flags=re.M)
            assert row and row.group(1) == k.kind, f"{table}.{key}: documented type differs from {k.kind}"


def test_voice_keys_are_documented():
    documented = _documented_keys("voice")
    missing = sorted({f.name for f in fields(VoiceSettings)} - documented)
    assert not missing, f"docs/configuration.md, `[voice]`: undocumented keys {missing}"


def test_example_files_in_the_docs_are_valid():
    blocks = re.findall(r"^```toml\n(.*?)^```", DOC.read_text(encoding="utf-8"), flags=re.S | re.M)
    complete = [b for b in blocks if b.startswith("[center]")]
    assert complete, "docs/configuration.md should hold a complete example hall"
    for block in complete:
        settings = parse_config(tomllib.loads(block), source="docs example")
        assert settings.hall.services
