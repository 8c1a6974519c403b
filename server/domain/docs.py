"""The event table of docs/protocol.md, generated from the event dataclasses (their docstrings and
fields): `python -m server.domain.docs` rewrites the block between the markers."""
from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from .events import EVENT_TYPES, Event

BEGIN, END = "<!-- events:begin -->", "<!-- events:end -->"
COMMON = {f.name for f in fields(Event)}
ENRICHED = {"ticket_called": ", `announcement`", "ticket_recalled": ", `announcement`",
            "clerk_signed_in": ", `staff_name`"}


def event_table() -> str:
    rows = ["| type | what happened | fields |", "|---|---|---|"]
    for name, cls in EVENT_TYPES.items():
        own = [f"`{f.name}`" for f in fields(cls) if f.name not in COMMON and f.name != "tracking_hash"]
        if any(f.name == "ticket_id" for f in fields(cls)):
            own += ["`ticket`"] + ([] if "`service`" in own else ["`service`"])
        doc = " ".join((cls.__doc__ or "").split())
        rows.append(f"| `{name}` | {doc} | {', '.join(own)}{ENRICHED.get(name, '')} |")
    return "\n".join(rows)


def rewrite(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{event_table()}\n{END}{tail}"


if __name__ == "__main__":
    target = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
    target.write_text(rewrite(target), encoding="utf-8")
