"""The live projector holds only a working set of segments and reads the others back from the
`segments` table: whatever it evicts, and whatever faults interrupt it (a failed group commit, a
projection rolled back to its savepoint, a restart), the table ends equal to a pure in-memory fold
of the same events, value for value and type for type."""
from __future__ import annotations

import gc
import sqlite3
import tempfile
import tracemalloc
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.config import load_demo
from server.stats.demo_data import DaySim, Plan
from server.stats.fold import SEGMENT_COLUMNS, WINDOW_COLUMNS, Segment, SegmentFold
from server.stats.projection import _SEG_LATEST, _SEG_ONE, StatsProjector, StoredSegments, write_rows
from server.store.connection import open_database
from server.store.writer import WriteBatch, write_batch

HALL = load_demo().hall
FIRST_DAY = "2026-11-24"


def day_events(visits: int, seed: int, days: int = 1) -> list[dict]:
    """Simulated business days (issue, calls, recalls, no-shows and callbacks, transfers,
    suspensions, finishes, ratings, walk-outs at the turn), numbered as the store numbers them."""
    events: list[dict] = []
    for index in range(days):
        day = (date.fromisoformat(FIRST_DAY) + timedelta(days=index)).isoformat()
        events += DaySim(HALL, Plan(day, index, visits, seed, HALL.center.timezone)).run()
    return [ev | {"seq": seq} for seq, ev in enumerate(events, start=1)]


def typed(rows) -> list[tuple]:
    """Rows with each value's type beside it: 1 and 1.0 compare equal, a stored row must not differ so."""
    return [tuple((type(v).__name__, v) for v in row) for row in rows]


def pure_rows(events: list[dict]) -> tuple[list[tuple], list[tuple]]:
    fold = SegmentFold()  # no source: holds every segment, as a rebuild does
    for ev in events:
        fold.fold(ev)
    segments, windows = fold.take_dirty()
    return (sorted(s.row() for s in segments),
            sorted(tuple(w[c] for c in WINDOW_COLUMNS) for w in windows))


def stored_rows(conn: sqlite3.Connection) -> tuple[list[tuple], list[tuple]]:
    segs = conn.execute(f"SELECT {', '.join(SEGMENT_COLUMNS)} FROM segments ORDER BY ticket_id, segment")
    wins = conn.execute(f"SELECT {', '.join(WINDOW_COLUMNS)} FROM window_time ORDER BY day, window, start")
    return [tuple(r) for r in segs], [tuple(r) for r in wins]


def open_test_db(path: Path) -> sqlite3.Connection:
    conn = open_database(path).conn
    conn.execute("PRAGMA synchronous = OFF")  # hundreds of commits per example; durability is not under test
    return conn


@dataclass
class Faults:
    """Where the run is interrupted, by group number."""

    failed_commits: set[int] = field(default_factory=set)  # the group's transaction is rolled back
    projection_faults: set[int] = field(default_factory=set)  # the projection's rows fail to write
    restarts: set[int] = field(default_factory=set)  # a new projector warms up before the group


def project_live(conn: sqlite3.Connection, events: list[dict], keep: int, batch_sizes: list[int],
                 group_sizes: list[int], faults: Faults) -> StatsProjector:
    """Write the events as the writer does: batches (one action's events) in group transactions,
    each batch's events then the projector, on the one write connection."""
    projector = StatsProjector(keep=keep)
    batches, at = [], 0
    for size in batch_sizes:
        batches.append(events[at:at + size])
        at += size
    batches = [b for b in batches if b]
    if at < len(events):
        batches.append(events[at:])
    groups, at = [], 0
    for size in group_sizes:
        groups.append(batches[at:at + size])
        at += size
    groups = [g for g in groups if g] + ([batches[at:]] if at < len(batches) else [])
    for number, group in enumerate(groups):
        if number in faults.restarts:
            projector = StatsProjector(keep=keep)
            projector.warm(conn)
        if number in faults.failed_commits:
            # the writer's failed-commit path: the whole group is rolled back; the service reloads
            # and decides the actions again, numbered from the last committed seq (here: the same ones)
            commit_group(conn, group, projector, commit=False)
        faulty = number in faults.projection_faults and number < len(groups) - 1  # a later batch repairs
        if faulty:  # a real fault in the projection's own write: its savepoint is rolled back
            conn.execute("CREATE TEMP TRIGGER stats_fault BEFORE INSERT ON main.segments "
                         "BEGIN SELECT RAISE(ABORT, 'injected statistics fault'); END")
        commit_group(conn, group, projector, commit=True)
        if faulty:
            conn.execute("DROP TRIGGER stats_fault")
        assert len(projector.fold.segments) <= keep and len(projector.fold.current) <= keep
    return projector


def commit_group(conn: sqlite3.Connection, group: list[list[dict]], projector: StatsProjector, commit: bool) -> None:
    conn.execute("BEGIN IMMEDIATE")
    for batch in group:
        write_batch(conn, WriteBatch(events=batch), (projector,))
    conn.execute("COMMIT" if commit else "ROLLBACK")


# --- the property ----------------------------------------------------------------------------------

@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), keep=st.integers(1, 6), days=st.integers(1, 2),
       batch_sizes=st.lists(st.integers(1, 6), min_size=1, max_size=80),
       group_sizes=st.lists(st.integers(1, 4), min_size=1, max_size=40),
       failed=st.sets(st.integers(0, 40), max_size=2), broken=st.sets(st.integers(0, 40), max_size=2),
       restarts=st.sets(st.integers(1, 40), max_size=1))
def test_a_small_working_set_writes_the_rows_of_a_pure_fold(seed, keep, days, batch_sizes, group_sizes, failed,
                                                             broken, restarts):
    events = day_events(40, seed, days)
    with tempfile.TemporaryDirectory() as tmp:
        conn = open_test_db(Path(tmp) / "hall.db")
        project_live(conn, events, keep, batch_sizes, group_sizes, Faults(failed, broken, restarts))
        live = stored_rows(conn)
        conn.close()
    expected = pure_rows(events)
    assert len(live[0]) >= 40 * days  # every ticket has a row
    assert typed(live[0]) == typed(expected[0])
    assert typed(live[1]) == typed(expected[1])


def test_segments_evicted_then_called_finished_and_rated_match_the_pure_fold(tmp_path):
    """One event per batch and a working set of 4: nearly every call, finish and rating reads its
    segment back from the table."""
    events = day_events(300, seed=7)
    conn = open_test_db(tmp_path / "hall.db")
    projector = project_live(conn, events, 4, [1] * len(events), [1] * len(events), Faults())
    assert len(projector.fold.segments) <= 4
    live = stored_rows(conn)
    assert typed(live[0]) == typed(pure_rows(events)[0])
    assert typed(live[1]) == typed(pure_rows(events)[1])
    kinds = {row[SEGMENT_COLUMNS.index("end_kind")] for row in live[0]}
    assert {"served", "no_show", "transferred", "suspended", "walked_out"} <= kinds  # the cases that matter
    assert any(row[SEGMENT_COLUMNS.index("rated")] for row in live[0])


def test_a_failed_commit_and_a_rolled_back_projection_then_more_events_give_the_clean_rows(tmp_path):
    """Each fault makes the projector fold the day again from `events` with its small working set,
    reading back segments it wrote moments before, while the table already holds later ones
    (a transferred ticket's next segment) that it must not pick up."""
    events = day_events(300, seed=7)
    clean = open_test_db(tmp_path / "clean.db")
    project_live(clean, events, 4, [2] * len(events), [3] * len(events), Faults())
    faulty = open_test_db(tmp_path / "faulty.db")
    project_live(faulty, events, 4, [2] * len(events), [3] * len(events),
                 Faults(failed_commits={5, 150}, projection_faults={60, 250}, restarts={200}))
    assert typed(stored_rows(faulty)[0]) == typed(stored_rows(clean)[0])
    assert stored_rows(faulty)[1] == stored_rows(clean)[1]
    assert faulty.execute("SELECT COUNT(*) FROM events").fetchone()[0] == len(events)


def test_a_failed_commit_drops_what_the_working_set_held_from_it(tmp_path):
    """The rolled-back group touched segments the working set still holds; the next group (the
    same seqs again, after the reload) must not build on them."""
    events = day_events(30, seed=11)
    conn = open_test_db(tmp_path / "hall.db")
    projector = StatsProjector(keep=1000)
    half = len(events) // 2
    commit_group(conn, [events[:half]], projector, commit=True)
    commit_group(conn, [events[half:]], projector, commit=False)  # counted calls, finishes... then rolled back
    assert projector.fold.last_seq == len(events)
    commit_group(conn, [events[half:]], projector, commit=True)
    assert typed(stored_rows(conn)[0]) == typed(pure_rows(events)[0])


def test_a_start_up_warm_up_that_fails_leaves_the_rows_and_the_next_batch_repairs(tmp_path):
    events = day_events(40, seed=13)
    half = len(events) // 2
    conn = open_test_db(tmp_path / "hall.db")
    project_live(conn, events[:half], 4, [1] * half, [2] * half, Faults())
    before = stored_rows(conn)
    conn.execute("CREATE TEMP TRIGGER stats_fault BEFORE INSERT ON main.segments "
                 "BEGIN SELECT RAISE(ABORT, 'injected statistics fault'); END")
    projector = StatsProjector(keep=4)
    with pytest.raises(sqlite3.IntegrityError):
        projector.warm(conn)
    conn.execute("DROP TRIGGER stats_fault")
    assert not conn.in_transaction and stored_rows(conn) == before  # its deletes and rows rolled back
    assert projector.fold.last_seq == 0  # nothing half folded: the next batch folds the day again
    commit_group(conn, [events[half:]], projector, commit=True)
    assert typed(stored_rows(conn)[0]) == typed(pure_rows(events)[0])


def test_the_least_recently_touched_segment_is_the_one_forgotten(tmp_path):
    conn = open_test_db(tmp_path / "hall.db")
    projector = StatsProjector(keep=3)
    issued = issue_events(4, 1)
    a, b, c, d = (ev["ticket_id"] for ev in issued)
    commit_group(conn, [[ev] for ev in issued[:3]], projector, commit=True)
    call_a = {"type": "ticket_called", "day": FIRST_DAY, "at": issued[2]["at"] + 60, "ticket_id": a, "window": 3,
              "staff": "1003", "seq": 4}
    commit_group(conn, [[call_a], [issued[3] | {"seq": 5}]], projector, commit=True)
    assert list(projector.fold.segments) == [(c, 0), (a, 0), (d, 0)]  # b: touched longest ago
    assert set(projector.fold.current) == {a, c, d}


# --- reading a segment back --------------------------------------------------------------------------

def test_a_segment_read_back_equals_the_one_the_fold_kept(tmp_path):
    events = day_events(80, seed=5)
    fold = SegmentFold()
    for ev in events:
        fold.fold(ev)
    kept = list(fold.segments.values())
    conn = open_test_db(tmp_path / "hall.db")
    write_rows(conn, kept, [])
    stored = StoredSegments()
    stored.conn = conn
    for seg in kept:
        back = stored.segment(seg["day"], seg["ticket_id"], seg["segment"])
        assert back == seg and typed([back.row()]) == typed([seg.row()])
    for ticket_id, key in fold.current.items():
        assert stored.latest(FIRST_DAY, ticket_id) == fold.segments[key]
    any_ticket = kept[0]["ticket_id"]
    assert stored.latest("2026-11-23", any_ticket) is None  # another day's fold never sees this day's rows
    assert stored.segment(FIRST_DAY, any_ticket, 99) is None


def test_a_segment_not_held_costs_one_primary_key_lookup(tmp_path):
    conn = open_test_db(tmp_path / "hall.db")
    for sql, args in ((_SEG_LATEST, (1, FIRST_DAY)), (_SEG_ONE, (1, 0, FIRST_DAY))):
        plan = " ".join(str(row[3]) for row in conn.execute("EXPLAIN QUERY PLAN " + sql, args))
        assert plan.startswith("SEARCH segments USING INDEX sqlite_autoindex_segments_1 (ticket_id=?"), plan


class Rows:
    """A source over copies of stored rows, as the table would give them."""

    def __init__(self, segments: list[Segment]) -> None:
        self.rows = {(s["ticket_id"], s["segment"]): s.row() for s in segments}

    def latest(self, day: str, ticket_id: int) -> Segment | None:
        numbers = [n for (t, n) in self.rows if t == ticket_id]
        return self.segment(day, ticket_id, max(numbers)) if numbers else None

    def segment(self, day: str, ticket_id: int, number: int) -> Segment | None:
        row = self.rows.get((ticket_id, number))
        return Segment(*row) if row is not None and row[2] == day else None


def test_a_segment_read_back_twice_is_one_object():
    """A rating reads back a segment that is not the ticket's current one as the fold knows it; a
    later event in the same batch must change that same object, not a second, staler copy."""
    stored = Segment(ticket_id=7, segment=0, day=FIRST_DAY, calls=1)
    fold = SegmentFold(Rows([stored]))
    fold.fold({"type": "visit_rated", "day": FIRST_DAY, "at": 100.0, "ticket_id": 7, "segment": 0,
               "level": "satisfied", "seq": 9})
    rated = fold.seg_at(7, 0)
    assert rated is not None and rated["rated"] == 1 and rated is not stored
    assert fold.seg_of(7) is rated and fold.current[7] == (7, 0)
    assert fold.seg_of(8) is None and fold.seg_at(7, 1) is None


def test_a_fold_without_a_source_refuses_to_forget():
    with pytest.raises(ValueError):
        SegmentFold().forget(10)  # it could never read a forgotten segment back


# --- memory ----------------------------------------------------------------------------------------------

def issue_events(count: int, first_seq: int) -> list[dict]:
    """`count` tickets issued into the demo hall's queues (stored wire shape)."""
    sim = DaySim(HALL, Plan(FIRST_DAY, 0, count, 1, HALL.center.timezone))
    for at, visit in sim.arrivals():
        sim.issue(at, visit)
    issued = [e[2] for e in sim.events if e[2]["type"] == "ticket_issued"]
    return [ev | {"seq": seq} for seq, ev in enumerate(issued, start=first_seq)]


def test_the_projector_holds_a_bounded_working_set_of_a_long_day(tmp_path):
    conn = open_test_db(tmp_path / "hall.db")
    keep = 300
    projector = StatsProjector(keep=keep)
    events = issue_events(3000, 1)
    half = len(events) // 2

    def issue(batch_events: list[dict]) -> None:
        for at in range(0, len(batch_events), 50):  # 50 one-ticket batches a group
            commit_group(conn, [[ev] for ev in batch_events[at:at + 50]], projector, commit=True)

    tracemalloc.start()
    try:
        issue(events[:half])
        gc.collect()
        before = tracemalloc.take_snapshot()
        issue(events[half:])
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    held = sum(s.size_diff for s in after.compare_to(before, "filename"))
    assert len(projector.fold.segments) <= keep and len(projector.fold.current) <= keep
    assert conn.execute("SELECT COUNT(*) FROM segments").fetchone()[0] == len(events)
    assert held / (len(events) - half) < 50  # bytes per further waiting ticket (a whole-day fold: about 500)
    assert sum(projector.fold.waiting.values()) == len(events)
