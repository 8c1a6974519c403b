"""Pure rules of a configuration change: validate it as check-config does, describe the difference,
and refuse what would strand a ticket. No I/O: documents, the live state and the time in, answers out.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..config import ConfigError, Settings, parse_config
from ..domain.errors import DomainError
from ..domain.hall import HallConfig
from ..domain.lifecycle import IN_HAND, Status
from ..domain.model import HallState

# The key that names an entry of each array table (diffs and edits address entries by it).
IDENTITY = {"departments": "code", "services": "code", "windows": "number", "staff": "number", "devices": "id"}
SECRET_KEYS = ("pin_hash", "token_hash")
ENTRY = "entry"  # a whole entry added or removed


def validate(doc: dict, source: str = "<admin>") -> Settings:
    """The document checked by the same code as `hallq check-config`; DomainError names the field."""
    try:
        return parse_config({**doc, "server": {}}, source=source)
    except ConfigError as exc:
        raise DomainError("invalid_config", str(exc), field=exc.key_path) from None


# --- the difference between two documents -------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    path: str  # e.g. services[code=tax_invoice].prefix
    before: object
    after: object

    def line(self) -> str:
        secret = self.path.rsplit(".", 1)[-1] in SECRET_KEYS
        before, after = ("(hidden)", "(new)") if secret else (_show(self.before), _show(self.after))
        if self.before is None:
            return f"+ {self.path}" + ("" if self.after == ENTRY else f" = {after}")
        if self.after is None:
            return f"- {self.path}" + ("" if self.before == ENTRY else f" (was {before})")
        return f"~ {self.path}: {before} -> {after}"


def _show(value: object) -> str:
    return repr(value) if not isinstance(value, (dict, list)) else str(value)


def diff(old: dict, new: dict) -> list[Change]:
    """Every difference, entries of array tables matched by their identity key, not by position."""
    changes: list[Change] = []
    for table in dict.fromkeys([*old, *new]):
        a, b = old.get(table), new.get(table)
        if table in IDENTITY and isinstance(a or [], list) and isinstance(b or [], list):
            changes += _diff_entries(table, a or [], b or [])
        else:
            changes += _diff_values(table, a, b)
    return changes


def _diff_entries(table: str, old: list, new: list) -> list[Change]:
    key = IDENTITY[table]
    before = {row.get(key): row for row in old if isinstance(row, dict)}
    after = {row.get(key): row for row in new if isinstance(row, dict)}
    changes = []
    for ident in dict.fromkeys([*before, *after]):
        path = f"{table}[{key}={ident}]"
        if ident not in before or ident not in after:
            changes.append(Change(path, ENTRY if ident in before else None, ENTRY if ident in after else None))
        else:
            changes += _diff_values(path, before[ident], after[ident])
    order_before = [i for i in before if i in after]
    order_after = [i for i in after if i in before]
    if order_before != order_after:
        changes.append(Change(f"{table} (order)", order_before, order_after))
    return changes


def _diff_values(path: str, a: object, b: object) -> list[Change]:
    if a == b:
        return []
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in dict.fromkeys([*a, *b]):
            out += _diff_values(f"{path}.{key}", a.get(key), b.get(key))
        return out
    return [Change(path, a, b)]


def summary(changes: list[Change], limit: int = 6) -> str:
    if not changes:
        return "no change"
    shown = "; ".join(c.path for c in changes[:limit])
    return shown + (f" and {len(changes) - limit} more" if len(changes) > limit else "")


# --- what must not be stranded ----------------------------------------------------------------------

def strand_problems(old: HallConfig, new: HallConfig, state: HallState) -> list[dict]:
    """Why applying `new` now would strand a ticket or a signed-in clerk, with what to do first."""
    problems = []
    problems += _removed_services(old, new, state)
    problems += _changed_prefixes(old, new, state)
    problems += _changed_day(old, new, state)
    problems += _removed_windows(old, new, state)
    problems += _removed_staff(old, new, state)
    problems += _unserved(new, state)
    return problems


def _unserved(new: HallConfig, state: HallState) -> list[dict]:
    """Waiting tickets of a service no window would call any more (a rota turn, a window's list)."""
    out = []
    for s in new.services:
        waiting = state.queue_length(s.code)
        if waiting and not new.windows_serving(s.code):
            out.append({"field": f"services[code={s.code}]", "tickets": waiting,
                        "message": f"{waiting} ticket(s) wait for {s.code!r} and no window would call them; "
                                   "keep a window on it until they are served, or transfer them first"})
    return out


def _live_tickets(state: HallState, service: str) -> int:
    return sum(1 for t in state.tickets.values()
               if t.queue_service == service and (t.status is Status.WAITING or t.status in IN_HAND))


def _removed_services(old: HallConfig, new: HallConfig, state: HallState) -> list[dict]:
    out = []
    for s in old.services:
        count = _live_tickets(state, s.code)
        if new.service(s.code) is None and count:
            out.append({"field": f"services[code={s.code}]", "tickets": count,
                        "message": f"{count} ticket(s) of {s.code!r} are waiting or being served; serve, "
                                   "transfer or cancel them before removing the service"})
    return out


def _changed_prefixes(old: HallConfig, new: HallConfig, state: HallState) -> list[dict]:
    out = []
    for s in old.services:
        after = new.service(s.code)
        if after is not None and after.prefix != s.prefix and state.issued.get(s.code, 0):
            out.append({"field": f"services[code={s.code}].prefix", "tickets": state.issued[s.code],
                        "message": f"{s.code!r} has issued {s.prefix} tickets today; change its prefix after "
                                   "the business day ends (tickets and announcements would mix two prefixes)"})
    return out


def _changed_day(old: HallConfig, new: HallConfig, state: HallState) -> list[dict]:
    """The time zone and the day boundary decide which business day it is: not while a day is open."""
    before, after = old.center, new.center
    if (before.timezone, before.day_boundary_min) == (after.timezone, after.day_boundary_min) or not state.tickets:
        return []
    field = "center.timezone" if before.timezone != after.timezone else "center.day_boundary"
    return [{"field": field, "tickets": len(state.tickets),
             "message": f"{len(state.tickets)} ticket(s) were issued this business day; change the time zone or "
                        "the day boundary before the first ticket of a day (the day and its numbers would shift)"}]


def _removed_windows(old: HallConfig, new: HallConfig, state: HallState) -> list[dict]:
    out = []
    for w in old.windows:
        if new.window(w.number) is not None:
            continue
        ws = state.windows.get(w.number)
        pinned = len(state.pinned.get(w.number, {}))
        if (ws is not None and (ws.staff or ws.ticket_id is not None)) or pinned:
            out.append({"field": f"windows[number={w.number}]", "tickets": pinned,
                        "message": f"window {w.number} has a clerk signed in, a ticket in hand or "
                                   f"{pinned} ticket(s) waiting for it; close the window and transfer its "
                                   "tickets before removing it"})
    return out


def _removed_staff(old: HallConfig, new: HallConfig, state: HallState) -> list[dict]:
    out = []
    for s in old.staff:
        after = new.staff_member(s.number)
        if after is not None and not getattr(after, "disabled", False):
            continue
        window = state.staff_window(s.number)
        if window is not None:
            out.append({"field": f"staff[number={s.number}]", "tickets": 0,
                        "message": f"{s.number} is signed in at window {window}; sign them out first"})
    return out


def refuse_stranding(old: HallConfig, new: HallConfig, state: HallState) -> None:
    problems = strand_problems(old, new, state)
    if problems:
        raise DomainError("would_strand_tickets", problems[0]["message"], problems=problems)
