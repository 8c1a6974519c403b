"""Fold stored (wire) events into queue segments and window intervals: the rows the statistics read.

Pure and config-free: it reads only the event dicts as the store keeps them (the event fields plus
`ticket`, `service` = the queue service, `at_local`). The live projector, `rebuild_projection` and
`hallq demo-data` all run this same fold, so a figure never depends on how the rows were made.
The live projector's fold holds only a working set of segments and reads any other back from the
rows it wrote (a `SegmentSource`); the others hold the whole day.

A segment is one pass through a queue: issue (or transfer, resume, or return
at the guide desk) -> calls -> an end.
Definitions follow docs/DOMAIN "Measures"; see docs/stats.md for the columns.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, fields
from datetime import date
from operator import attrgetter
from typing import Any, Protocol


@dataclass(slots=True)
class Segment:
    """One segment row, read and written by column name like a dict (`seg["wait_s"]`). A slotted
    dataclass, not a dict: 40 slots take a third of the room of a 40-key dict, and its generated
    `__init__` makes one in a few assignments. The fields are the `segments` columns, in order."""

    ticket_id: int | None = None
    segment: int | None = None
    day: str | None = None
    service: str | None = None
    channel: str | None = None
    appointment: int | None = None
    issued: int | None = None
    entered_at: float | None = None
    hour: int | None = None
    weekday: int | None = None
    hall_queue: int | None = None
    service_queue: int | None = None
    left_queue_at: float | None = None
    queue_s: float | None = None
    first_call: float | None = None
    wait_call: float | None = None
    last_call: float | None = None
    calls: int | None = None
    recalls: int | None = None
    callbacks: int | None = None
    no_show_marks: int | None = None
    start: float | None = None
    end: float | None = None
    end_kind: str | None = None
    window: int | None = None
    staff: str | None = None
    wait_s: float | None = None
    walking_s: float | None = None
    handling_s: float | None = None
    no_start: int | None = None
    suspends: int | None = None
    suspended_s: float | None = None
    transfers: int | None = None
    walked_out: int | None = None
    outcome: str | None = None
    rating: str | None = None
    rated: int | None = None
    rating_expired: int | None = None
    rating_reason: str | None = None
    rated_at: float | None = None

    def __getitem__(self, column: str) -> Any:
        return getattr(self, column)

    def __setitem__(self, column: str, value: Any) -> None:
        setattr(self, column, value)

    def row(self) -> tuple:
        """The columns' values in SEGMENT_COLUMNS order (one C call, not 40 lookups by name)."""
        return _ROW(self)


SEGMENT_COLUMNS = tuple(f.name for f in fields(Segment))
WINDOW_COLUMNS = ("day", "window", "start", "end", "state", "staff")
_ROW = attrgetter(*SEGMENT_COLUMNS)

# ends at a window: the time the window held the ticket counts as walking + handling
WINDOW_ENDS = ("served", "suspended", "transferred", "cancelled")


def local_parts(iso_local: str) -> tuple[int, int]:
    """(hour, weekday Monday=0) of a local ISO timestamp, as the center's clock showed it."""
    return int(iso_local[11:13]), date.fromisoformat(iso_local[:10]).weekday()


class SegmentSource(Protocol):
    """Where a fold finds a segment of its day that it no longer holds (the stored rows it wrote)."""

    def latest(self, day: str, ticket_id: int) -> Segment | None:
        """The ticket's segment of `day` with the highest number, if any."""

    def segment(self, day: str, ticket_id: int, number: int) -> Segment | None:
        """That one segment, if `day` has it."""


class SegmentFold:
    """Fold of one business day at a time. `dirty` collects rows to (re)write.

    Without a source it holds every segment of the day (a rebuild, demo data, tests). With one
    (the live projector: the stored rows), it holds a working set: `forget` drops the least
    recently touched segments once written, and a segment not held is read back from the source,
    equal to the one the fold would have kept."""

    def __init__(self, source: SegmentSource | None = None) -> None:
        self.day = ""
        self.source = source
        # held, least recently touched first; with a source it is trimmed from the front, where an
        # OrderedDict drops in O(1) (a dict would skip ever more deleted slots to reach its first key)
        self.segments: dict[tuple[int, int], Segment] = OrderedDict() if source is not None else {}
        self.current: dict[int, tuple[int, int]] = {}  # ticket id -> key of its latest segment, if held
        self.open_window: dict[int, dict] = {}  # window -> its open interval row
        self.waiting: dict[str, int] = {}  # queue service -> segments waiting now
        self.last_activity = 0.0
        self.last_seq = 0
        self.dirty_segments: dict[tuple[int, int], Segment] = {}
        self.dirty_windows: dict[tuple, dict] = {}

    # --- driving ------------------------------------------------------------------------------

    def fold(self, ev: dict) -> None:
        if ev["day"] != self.day:
            self._new_day(ev["day"])
        handler = HANDLERS.get(ev["type"])
        if handler is not None:
            handler(self, ev)
        self.last_seq = max(self.last_seq, ev.get("seq") or 0)

    def take_dirty(self) -> tuple[list[Segment], list[dict]]:
        segs, wins = list(self.dirty_segments.values()), list(self.dirty_windows.values())
        held = self.segments
        if isinstance(held, OrderedDict):  # a working set: touched just now, they go last to be forgotten
            for key in self.dirty_segments:
                if key in held:
                    held.move_to_end(key)
        self.dirty_segments.clear()
        self.dirty_windows.clear()
        return segs, wins

    def forget(self, keep: int) -> None:
        """Hold at most `keep` segments: drop the least recently touched. Between batches only, once
        the rows `take_dirty` gave are written: while a row waits to be written it exists nowhere
        else, so with anything dirty this keeps everything."""
        held = self.segments
        if not isinstance(held, OrderedDict):
            raise ValueError("a fold without a source holds the whole day: nothing could read a forgotten segment back")
        if self.dirty_segments:
            return
        while len(held) > keep:
            key, _ = held.popitem(last=False)
            if self.current.get(key[0]) == key:
                del self.current[key[0]]

    def _new_day(self, day: str) -> None:
        self.day = day
        self.segments.clear()
        self.current.clear()
        self.open_window.clear()
        self.waiting.clear()
        self.last_activity = 0.0

    def _touch(self, seg: Segment) -> Segment:
        self.dirty_segments[(seg["ticket_id"], seg["segment"])] = seg
        return seg

    def seg_of(self, ticket_id: int) -> Segment | None:
        """The ticket's latest segment of the day."""
        key = self.current.get(ticket_id)
        if key is not None:
            return self.segments[key]
        if self.source is None:
            return None
        return self._hold(self.source.latest(self.day, ticket_id), latest=True)

    def seg_at(self, ticket_id: int, number: int) -> Segment | None:
        """One segment of the ticket by its number (a rating names the segment it rates)."""
        seg = self.segments.get((ticket_id, number))
        if seg is None and self.source is not None:
            seg = self._hold(self.source.segment(self.day, ticket_id, number), latest=False)
        return seg

    def _hold(self, stored: Segment | None, latest: bool) -> Segment | None:
        if stored is None:
            return None
        key = (stored["ticket_id"], stored["segment"])
        seg = self.segments.setdefault(key, stored)  # one already held (rated, not latest) is the newer
        if latest:
            self.current[key[0]] = key
        return seg

    # --- queue entry and leaving ----------------------------------------------------------------

    def enter(self, ev: dict, entered_at: float, iso_entry: str, issued: int, base: Segment | None) -> Segment:
        ticket = ev.get("ticket") or {}
        # every wire event about a ticket names its queue service; "" only keeps the type honest
        service: str = ev.get("service") or ticket.get("queue_service") or ev.get("to_service") or ""
        hour, weekday = local_parts(iso_entry)
        self.waiting[service] = self.waiting.get(service, 0) + 1
        number = ticket.get("segment", 0) if base is None else base["segment"] + 1
        seg = Segment(
            ticket_id=ev["ticket_id"], segment=number, day=ev["day"], service=service,
            channel=base["channel"] if base else ticket.get("channel", ev.get("channel", "normal")),
            appointment=base["appointment"] if base else int(bool(ev.get("appointment_code"))),
            issued=issued, entered_at=entered_at, hour=hour, weekday=weekday,
            hall_queue=sum(self.waiting.values()), service_queue=self.waiting[service],
            calls=0, recalls=0, callbacks=0, no_show_marks=0, no_start=0, suspends=0, suspended_s=0.0,
            transfers=0, walked_out=0, rated=0, rating_expired=0,
        )
        key = (seg["ticket_id"], number)  # one tuple for both maps
        self.segments[key] = seg
        self.current[seg["ticket_id"]] = key
        return self._touch(seg)

    def leave_queue(self, seg: Segment, at: float) -> None:
        if seg["left_queue_at"] is not None:
            return
        seg["left_queue_at"] = at
        seg["queue_s"] = max(0.0, at - seg["entered_at"])
        self.waiting[seg["service"]] = max(0, self.waiting.get(seg["service"], 0) - 1)

    def end_at_window(self, seg: Segment, ev: dict, kind: str) -> None:
        at = ev["at"]
        seg["end"], seg["end_kind"] = at, kind
        seg["window"], seg["staff"] = ev.get("window", seg["window"]), ev.get("staff") or seg["staff"]
        if seg["last_call"] is not None:
            seg["handling_s"] = at - (seg["start"] if seg["start"] is not None else seg["last_call"])
        self._touch(seg)

    # --- window intervals ---------------------------------------------------------------------------

    def window_state(self, ev: dict, state: str | None) -> None:
        current = self.open_window.pop(ev["window"], None)
        if current is not None:
            current["end"] = ev["at"]
            self.dirty_windows[(current["day"], current["window"], current["start"])] = current
        if state is not None:
            staff = ev.get("staff") or (current or {}).get("staff")
            row = {"day": ev["day"], "window": ev["window"], "start": ev["at"], "end": None,
                   "state": state, "staff": staff}
            self.open_window[ev["window"]] = row
            self.dirty_windows[(row["day"], row["window"], row["start"])] = row


def wait_s(seg: Segment, call_at: float) -> float:
    """Call − queue entry, never negative: an appointment called in its early window (before its
    slot, which is its queue entry) waited 0 s."""
    return max(0.0, call_at - seg["entered_at"])


# --- one handler per event type ---------------------------------------------------------------------

def _issued(f: SegmentFold, ev: dict) -> None:
    entered = ev.get("queue_entered_at") or ev["at"]
    iso = (ev.get("ticket") or {}).get("queue_entered_at") or ev["at_local"]
    f.last_activity = max(f.last_activity, ev["at"])
    f.enter(ev, entered, iso, 1, None)


def _called(f: SegmentFold, ev: dict) -> None:
    seg = f.seg_of(ev["ticket_id"])
    if seg is None:
        return
    at = ev["at"]
    f.last_activity = max(f.last_activity, at)
    seg["window"], seg["staff"], seg["last_call"] = ev["window"], ev["staff"], at
    seg["calls"] += 1
    if ev.get("callback"):
        seg["callbacks"] += 1
        seg["end"] = seg["end_kind"] = None  # the no-show came back: the segment goes on
        seg["handling_s"] = None
    else:
        f.leave_queue(seg, at)
        seg["first_call"] = seg["first_call"] or at
        seg["wait_call"] = at
        seg["wait_s"] = wait_s(seg, at)
    f._touch(seg)


def _recalled(f: SegmentFold, ev: dict) -> None:
    seg = f.seg_of(ev["ticket_id"])
    if seg is None:
        return
    seg["recalls"] += 1
    seg["last_call"] = ev["at"]
    if seg["callbacks"] == 0:  # the wait runs to the last call of the queue pass, not of a callback
        seg["wait_call"] = ev["at"]
        seg["wait_s"] = wait_s(seg, ev["at"])
    f._touch(seg)


def _started(f: SegmentFold, ev: dict) -> None:
    seg = f.seg_of(ev["ticket_id"])
    if seg is None:
        return
    seg["start"] = ev["at"]
    seg["walking_s"] = ev["at"] - seg["last_call"] if seg["last_call"] is not None else None
    f._touch(seg)


def _finished(f: SegmentFold, ev: dict) -> None:
    seg = f.seg_of(ev["ticket_id"])
    if seg is None:
        return
    seg["outcome"] = ev.get("outcome")
    seg["no_start"] = int(seg["start"] is None)
    f.end_at_window(seg, ev, "served")


def _no_show(f: SegmentFold, ev: dict) -> None:
    seg = f.seg_of(ev["ticket_id"])
    if seg is None:
        return
    seg["no_show_marks"] += 1
    seg["end"], seg["end_kind"] = ev["at"], "no_show"
    f._touch(seg)


def _suspended(f: SegmentFold, ev: dict) -> None:
    seg = f.seg_of(ev["ticket_id"])
    if seg is None:
        return
    seg["suspends"] += 1
    f.end_at_window(seg, ev, "suspended")


def _end_suspension(seg: Segment, at: float) -> None:
    if seg["end_kind"] == "suspended" and seg["end"] is not None:
        seg["suspended_s"] = max(0.0, at - seg["end"])


def _resumed(f: SegmentFold, ev: dict) -> None:
    seg = f.seg_of(ev["ticket_id"])
    if seg is None:
        return
    _end_suspension(seg, ev["at"])
    f._touch(seg)
    f.enter(ev, ev["at"], ev["at_local"], 0, seg)


def _returned(f: SegmentFold, ev: dict) -> None:
    """A missed ticket put back in its queue at the guide desk: the missed pass ends as `returned`
    (the citizen came back, so it is no longer a no-show; its mark still counts), and a new segment
    enters the queue at the return time (like a resume)."""
    seg = f.seg_of(ev["ticket_id"])
    if seg is None:
        return
    f.last_activity = max(f.last_activity, ev["at"])
    seg["end_kind"] = "returned"
    f._touch(seg)
    f.enter(ev, ev["at"], ev["at_local"], 0, seg)


def _transferred(f: SegmentFold, ev: dict) -> None:
    seg = f.seg_of(ev["ticket_id"])
    if seg is None:
        return
    seg["transfers"] += 1
    f.end_at_window(seg, ev, "transferred")
    f.enter(ev, ev["at"], ev["at_local"], 0, seg)


def _cancelled(f: SegmentFold, ev: dict) -> None:
    seg = f.seg_of(ev["ticket_id"])
    if seg is None:
        return
    if seg["end_kind"] == "suspended":
        _end_suspension(seg, ev["at"])
        f._touch(seg)
        return
    if seg["end_kind"] == "no_show":
        return
    f.leave_queue(seg, ev["at"])
    seg["end"], seg["end_kind"] = ev["at"], "cancelled"
    if seg["last_call"] is not None:
        f.end_at_window(seg, ev, "cancelled")
    f._touch(seg)


def _walked_out(f: SegmentFold, ev: dict) -> None:
    """At the day's turn: the citizen left some time after the hall's last queue activity; count
    their queue time up to that activity, not to the turn (which may be the next morning)."""
    seg = f.seg_of(ev["ticket_id"])
    if seg is None:
        return
    left = max(seg["end"] or seg["entered_at"], min(ev["at"], f.last_activity or ev["at"]))
    seg["walked_out"] = 1
    if seg["end_kind"] == "suspended":
        _end_suspension(seg, left)
    else:
        f.leave_queue(seg, left)
        seg["end"], seg["end_kind"] = left, "walked_out"
    f._touch(seg)


def _rated(f: SegmentFold, ev: dict) -> None:
    seg = f.seg_at(ev["ticket_id"], ev["segment"])
    if seg is None:
        return
    seg["rating"], seg["rated"], seg["rated_at"] = ev["level"], 1, ev["at"]
    seg["rating_reason"] = ev.get("reason") or None
    f._touch(seg)


def _expired(f: SegmentFold, ev: dict) -> None:
    seg = f.seg_at(ev["ticket_id"], ev["segment"])
    if seg is not None:
        seg["rating_expired"] = 1
        f._touch(seg)


HANDLERS = {
    "ticket_issued": _issued, "ticket_called": _called, "ticket_recalled": _recalled,
    "service_started": _started, "service_finished": _finished, "ticket_no_show": _no_show,
    "ticket_suspended": _suspended, "ticket_resumed": _resumed, "ticket_transferred": _transferred,
    "ticket_cancelled": _cancelled, "ticket_walked_out": _walked_out, "visit_rated": _rated,
    "rating_expired": _expired, "ticket_returned": _returned,
    "window_opened": lambda f, ev: f.window_state(ev, "open"),
    "window_paused": lambda f, ev: f.window_state(ev, "paused"),
    "window_resumed": lambda f, ev: f.window_state(ev, "open"),
    "window_closed": lambda f, ev: f.window_state(ev, None),
}
