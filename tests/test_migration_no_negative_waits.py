"""Migration 0060: segments folded before waits were clamped lose their negative waits, and the kept
closed-day partials built from them are dropped (recomputed from the rows on their next read)."""
from __future__ import annotations

from sqlite_utils import Database

from server.store.schema import migrate


def test_negative_waits_are_clamped_and_stale_partials_dropped(tmp_path):
    db = Database(tmp_path / "hallq.db")
    migrate(db)
    db.execute("DELETE FROM _sqlite_migrations WHERE name = '0060_no_negative_waits'")  # as before the upgrade
    db.execute("INSERT INTO segments (ticket_id, segment, day, wait_s) VALUES (1, 0, '2026-11-20', -840.5)")
    db.execute("INSERT INTO segments (ticket_id, segment, day, wait_s) VALUES (2, 0, '2026-11-20', 300.0)")
    db.execute("INSERT INTO segments (ticket_id, segment, day, wait_s) VALUES (3, 0, '2026-11-20', NULL)")
    db.execute("INSERT INTO stats_partials (day, grouping, data) VALUES ('2026-11-20', 'total', '[]')")
    db.conn.commit()
    migrate(db)
    waits = [row[0] for row in db.execute("SELECT wait_s FROM segments ORDER BY ticket_id").fetchall()]
    assert waits == [0.0, 300.0, None]
    assert db.execute("SELECT COUNT(*) FROM stats_partials").fetchone()[0] == 0
