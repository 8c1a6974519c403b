"""The engine: `decide` turns (state, command, now) into events or raises DomainError, without
changing anything (deciders.py); `apply` folds one event into the state (appliers.py). Replaying a
day's events through `apply` rebuilds exactly the state the live server had.
"""
from __future__ import annotations

from collections.abc import Callable

from . import commands as c
from . import events as e
from .appliers import apply, new_state
from .deciders import DECIDERS
from .errors import DomainError
from .hall import HallConfig
from .model import HallState

__all__ = ["apply", "decide", "handle", "new_state"]


def handle(state: HallState, hall: HallConfig, cmd: c.Command, now: float,
           on_applied: Callable[[e.Event], None] | None = None) -> list[e.Event]:
    """Decide, then number and apply the events (calling `on_applied` after each).
    On DomainError the state is untouched."""
    events = decide(state, hall, cmd, now)
    for event in events:
        event.seq = state.last_seq + 1
        event.day = event.day or state.day
        apply(state, hall, event)
        if on_applied is not None:
            on_applied(event)
    return events


def decide(state: HallState, hall: HallConfig, cmd: c.Command, now: float) -> list[e.Event]:
    try:
        decider = DECIDERS[type(cmd)]
    except KeyError:
        raise DomainError("invalid_argument", f"unknown command {cmd.NAME!r}") from None
    return decider(state, hall, cmd, now)
