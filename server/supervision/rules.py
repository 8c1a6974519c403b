"""Supervision rules as literal transition tables (like server/domain/lifecycle.py). Pure: a case's
state, an action with its fields, who acts and when go in; the new state and the step record come
out, or a DomainError and nothing changes.

Three kinds of case follow a table: a bad review's closed loop (好差評: 核實 -> 整改 -> 反饋 -> 回訪,
with 申訴 and the manager's 複核), a promised case (承諾件: 辦結 or extension) and one department's
task of a joint case (聯辦件). Their names in three languages are in docs/supervision.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

from ..domain.errors import DomainError
from ..domain.workdays import WorkCalendar

BAD_REVIEW, PROMISED, JOINT_TASK = "bad_review", "promised", "joint_task"
KINDS = (BAD_REVIEW, PROMISED, JOINT_TASK)

# (status, action) -> status after it
TRANSITIONS = MappingProxyType(
    {
        BAD_REVIEW: MappingProxyType(
            {
                ("pending", "verify"): "verifying",  # 待核實 -> 核實中: someone takes the case
                ("verifying", "rectify"): "rectifying",  # 核實中 -> 整改中: what verification found
                ("rectifying", "answer"): "answered",  # 整改中 -> 已反饋: what was put right, what the citizen was told
                ("answered", "call_back"): "closed",  # 已反饋 -> 已回訪: the citizen's view of the answer
                ("pending", "appeal"): "appealed",  # 申訴: the review looks mistaken
                ("verifying", "appeal"): "appealed",
                ("appealed", "uphold"): "verifying",  # 複核: the review stands, the loop goes on
                ("appealed", "strike"): "struck",  # 複核: the review is struck out
            }
        ),
        PROMISED: MappingProxyType(
            {
                ("open", "done"): "done",  # 辦結
                ("open", "extend"): "open",  # 延期, with a reason: the due date moves
            }
        ),
        JOINT_TASK: MappingProxyType(
            {
                ("open", "done"): "done",
            }
        ),
    }
)

FINAL = MappingProxyType({BAD_REVIEW: ("closed", "struck"), PROMISED: ("done",), JOINT_TASK: ("done",)})

# What an action must carry: a case cannot move (nor close) without them.
REQUIRED = MappingProxyType(
    {
        "verify": (),
        "rectify": ("finding",),
        "answer": ("rectification", "answer"),
        "call_back": ("callback_result",),
        "appeal": ("reason",),
        "uphold": ("reason",),
        "strike": ("reason",),
        "done": (),
        "extend": ("days", "reason"),
    }
)
OPTIONAL = ("note",)
MANAGER_ONLY = frozenset({"uphold", "strike"})  # 複核 is the center's decision, not the department's
CALLBACK_RESULTS = ("satisfied", "dissatisfied", "unreachable", "no_contact")
REACHED = ("satisfied", "dissatisfied")  # a call-back that reached the citizen
MAX_TEXT = 1000
MAX_EXTENSION_DAYS = 60


@dataclass(frozen=True)
class Actor:
    role: str  # manager | liaison
    staff: str
    department: str | None = None  # a liaison's


@dataclass(frozen=True)
class Case:
    id: int
    kind: str
    status: str
    department: str
    due_day: str
    has_contact: bool = False


@dataclass(frozen=True)
class Step:
    """One accepted action: the case's new status (and due date), and what is recorded with who/when."""

    case_id: int
    action: str
    status_before: str
    status_after: str
    staff: str
    role: str
    at: float
    day: str
    fields: dict = field(default_factory=dict)
    due_day: str | None = None  # set when the action moved the due date


def as_case_kind(case_id: int, kind: str, status: str, department: str, due: str, phone: str | None) -> Case:
    return Case(case_id, kind, status, department, due, has_contact=bool(phone))


def allowed_actions(kind: str, status: str) -> list[str]:
    return sorted(action for (s, action) in TRANSITIONS[kind] if s == status)


def next_status(kind: str, status: str, action: str) -> str:
    try:
        return TRANSITIONS[kind][(status, action)]
    except KeyError:
        allowed = ", ".join(allowed_actions(kind, status)) or "none: the case is closed"
        raise DomainError(
            "invalid_case_transition",
            f"cannot {action.replace('_', ' ')} a {kind.replace('_', ' ')} case that is {status} (allowed: {allowed})",
            status=status,
            action=action,
        ) from None


def check_actor(case: Case, actor: Actor, action: str) -> None:
    if actor.role not in ("manager", "liaison"):
        raise DomainError("forbidden", f"a {actor.role} may not act on supervision cases")
    if actor.role == "liaison" and actor.department != case.department:
        raise DomainError("forbidden", "a liaison acts only on the cases of their own department")
    if action in MANAGER_ONLY and actor.role != "manager":
        raise DomainError("forbidden", "only a manager decides an appeal (複核)")


def clean_fields(case: Case, action: str, raw: dict) -> dict:
    """The action's fields, trimmed and checked: every required one present, nothing unknown."""
    known = REQUIRED.get(action, ()) + OPTIONAL
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise DomainError("invalid_argument", f"unknown field(s) for {action}: {', '.join(unknown)}", fields=unknown)
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in raw.items() if v not in (None, "")}
    for name in REQUIRED.get(action, ()):
        if values.get(name) in (None, ""):
            raise DomainError("invalid_argument", f"{action.replace('_', ' ')} needs {name}", field=name)
    for name, value in values.items():
        if name != "days" and (not isinstance(value, str) or len(value) > MAX_TEXT):
            raise DomainError("invalid_argument", f"{name} must be text of at most {MAX_TEXT} characters", field=name)
    _check_specific(case, action, values)
    return values


def _check_specific(case: Case, action: str, values: dict) -> None:
    if action == "call_back":
        result = values["callback_result"]
        if result not in CALLBACK_RESULTS:
            raise DomainError(
                "invalid_argument",
                "callback_result must be one of " + ", ".join(CALLBACK_RESULTS),
                field="callback_result",
            )
        if (result == "no_contact") == case.has_contact:
            why = (
                "the citizen left a number: call back and record the result"
                if case.has_contact
                else "the citizen left no number: the result is no_contact"
            )
            raise DomainError("invalid_argument", why, field="callback_result")
    if action == "extend":
        days = values["days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
            raise DomainError(
                "invalid_argument",
                f"days must be a whole number of working days from 1 to {MAX_EXTENSION_DAYS}",
                field="days",
            )


def decide(
    case: Case, action: str, raw_fields: dict, actor: Actor, now: float, today: str, calendar: WorkCalendar
) -> Step:
    """Check everything, then describe the step. Nothing is changed here: the caller stores the Step."""
    after = next_status(case.kind, case.status, action)
    check_actor(case, actor, action)
    values = clean_fields(case, action, raw_fields)
    due = calendar.add_working_days(case.due_day, values["days"]) if action == "extend" else None
    return Step(case.id, action, case.status, after, actor.staff, actor.role, now, today, values, due)


# --- due dates and lights -------------------------------------------------------------------------


def due_day(opened_day: str, working_days: int, calendar: WorkCalendar) -> str:
    """A case opened on `opened_day` with N working days is due on the N-th working day after it
    (the day it opened is not counted, as with statutory time limits)."""
    return calendar.add_working_days(opened_day, working_days)


def light(due: str, today: str, finished: bool) -> str | None:
    """The 電子監察 light of an open case: 'due_today' (yellow), 'overdue' (red), or None."""
    if finished:
        return None
    if today > due:
        return "overdue"
    return "due_today" if today == due else None


def on_time(due: str, finished_day: str | None) -> bool:
    """Finished on or before the due day (a business day of the center's time zone)."""
    return finished_day is not None and finished_day <= due


def mermaid_diagram(kind: str = BAD_REVIEW) -> str:
    lines = ["stateDiagram-v2", f"    [*] --> {next(iter(TRANSITIONS[kind]))[0]}"]
    lines += [f"    {src} --> {dst}: {action}" for (src, action), dst in TRANSITIONS[kind].items()]
    lines += [f"    {s} --> [*]" for s in FINAL[kind]]
    return "\n".join(lines)
