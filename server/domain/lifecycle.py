"""The ticket lifecycle as one literal transition table (after h11's _state.py).

An action not in the table for the ticket's status is illegal: `next_status` raises and nothing changes.
docs/lifecycle.md is generated from TRANSITIONS (see `mermaid_diagram`).
"""
from __future__ import annotations

from enum import Enum

from .errors import DomainError


class Status(str, Enum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    SUSPENDED = "suspended"
    FINISHED = "finished"
    NO_SHOW = "no_show"
    TRANSFERRED = "transferred"
    CANCELLED = "cancelled"
    WALKED_OUT = "walked_out"


W, C, S, P = Status.WAITING, Status.CALLED, Status.SERVING, Status.SUSPENDED
F, N, T, X, O = Status.FINISHED, Status.NO_SHOW, Status.TRANSFERRED, Status.CANCELLED, Status.WALKED_OUT

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
    (P, "day_end"): O,
    (N, "call"): C,  # called back within the return window
    (N, "cancel"): X,
    (W, "day_end"): O,
}

FINAL = frozenset({F, X, O})
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


def allowed_actions(status: Status) -> list[str]:
    return sorted(action for (s, action) in TRANSITIONS if s == status)


def mermaid_diagram() -> str:
    lines = ["stateDiagram-v2", "    [*] --> waiting: issue"]
    for (src, action), dst in TRANSITIONS.items():
        lines.append(f"    {src.value} --> {dst.value}: {action}")
    lines += [f"    {s.value} --> [*]" for s in sorted(FINAL, key=lambda s: s.value)]
    return "\n".join(lines)
