"""The ticket lifecycle as one literal transition table (after h11's _state.py).

An action not in the table for the ticket's status is illegal: `next_status` raises and nothing changes.
The table drives the tickets: the deciders check an action against it, the appliers take the status
after each event from it (appliers.py), and the day's end moves each open ticket to the status its
`day_end` row names. docs/lifecycle.md is generated from it (`python -m server.domain.lifecycle`).
"""
from __future__ import annotations

from enum import Enum

from .errors import DomainError


class Status(str, Enum):  # noqa: UP042 - str() and format() of a status stay as they are (StrEnum changes both)
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    SUSPENDED = "suspended"
    FINISHED = "finished"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    WALKED_OUT = "walked_out"


W, C, S, P = Status.WAITING, Status.CALLED, Status.SERVING, Status.SUSPENDED
F, N, X, L = Status.FINISHED, Status.NO_SHOW, Status.CANCELLED, Status.WALKED_OUT  # L: left (walked out)

INITIAL = W  # an issued ticket waits in its queue

# (status, action) -> status after the action.
# "transfer" ends the ticket's queue segment as transferred and puts the ticket, with its number,
# into its new queue: from the citizen's side it is waiting again.
TRANSITIONS: dict[tuple[Status, str], Status] = {
    (W, "call"): C,
    (W, "cancel"): X,
    (C, "recall"): C,
    (C, "start"): S,
    (C, "finish"): F,  # no start was pressed: handling time from the last call, flagged
    (C, "no_show"): N,
    (C, "suspend"): P,
    (C, "transfer"): W,
    (C, "cancel"): X,
    (C, "day_end"): N,
    (S, "finish"): F,
    (S, "suspend"): P,
    (S, "transfer"): W,
    (S, "cancel"): X,
    (S, "day_end"): F,
    (P, "resume"): W,
    (P, "cancel"): X,
    (P, "day_end"): L,
    (N, "call"): C,  # called back within the return window
    (N, "return"): W,  # returned to its queue at the guide desk within the return window
    (N, "cancel"): X,
    (W, "day_end"): L,
}

FINAL = frozenset({F, X, L})
IN_HAND = frozenset({C, S})  # a window holds the ticket
ACTIONS = tuple(sorted({action for _, action in TRANSITIONS}))


def next_status(status: Status, action: str) -> Status:
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise DomainError(
            "invalid_transition",
            f"cannot {action.replace('_', ' ')} a ticket that is {status.value.replace('_', ' ')}",
            status=status.value,
            action=action,
        ) from None


def day_end_status(status: Status) -> Status | None:
    """Where the day's turn takes a ticket in this status (None: it stays, e.g. a final one)."""
    return TRANSITIONS.get((status, "day_end"))


def allowed_actions(status: Status) -> list[str]:
    return sorted(action for (s, action) in TRANSITIONS if s == status)


def mermaid_diagram() -> str:
    lines = ["stateDiagram-v2", f"    [*] --> {INITIAL.value}: issue"]
    for (src, action), dst in TRANSITIONS.items():
        lines.append(f"    {src.value} --> {dst.value}: {action}")
    lines += [f"    {s.value} --> [*]" for s in sorted(FINAL, key=lambda s: s.value)]
    return "\n".join(lines)


BEGIN, END = "```mermaid\n", "\n```"


def rewrite(text: str) -> str:
    """docs/lifecycle.md with its diagram block replaced by the table's."""
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}{mermaid_diagram()}{END}{tail}"


if __name__ == "__main__":
    from pathlib import Path

    target = Path(__file__).resolve().parents[2] / "docs" / "lifecycle.md"
    target.write_text(rewrite(target.read_text(encoding="utf-8")), encoding="utf-8")
