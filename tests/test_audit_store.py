"""The audit record: its table comes from migration 0040_audit; rows written with an action's batch
commit with it, and read back newest first with before/after decoded."""
from __future__ import annotations

import pytest

from server.store.audit import AuditEntry, append_audit, audit_rows
from server.store.connection import connect, open_database
from server.store.reader import Reader
from server.store.writer import WriteBatch, Writer


class _Service:
    """Just the write path HallService offers (write_only) over a real writer."""

    def __init__(self, writer: Writer):
        self.writer = writer

    async def write_only(self, writes):
        await self.writer.submit(WriteBatch(writes=list(writes)))


class _Broken:
    def run(self, conn):
        conn.execute("INSERT INTO no_such_table VALUES (1)")


async def test_audit_rows_round_trip(tmp_path):
    path = tmp_path / "hallq.db"
    writer = Writer(path)
    writer.start()
    try:
        service = _Service(writer)
        await append_audit(service, AuditEntry(at=100.0, actor="1001", action="sign_in_failed", device="counter-3"))
        cancel = AuditEntry(at=200.0, actor="1001", action="cancel", device="counter-3", target="ticket:7",
                            before={"status": "waiting"}, after={"status": "cancelled", "reason": "走錯"})
        await writer.submit(WriteBatch(writes=[cancel]))
    finally:
        await writer.stop()
    reader = Reader(path)
    try:
        rows = await reader.run(audit_rows)
        assert [r["action"] for r in rows] == ["cancel", "sign_in_failed"]
        assert rows[0]["before"] == {"status": "waiting"} and rows[0]["after"]["reason"] == "走錯"
        assert rows[0]["target"] == "ticket:7" and rows[0]["device"] == "counter-3"
        assert [r["action"] for r in await reader.run(audit_rows, None, None, "cancel")] == ["cancel"]
        assert await reader.run(audit_rows, 150.0) == rows[:1]
    finally:
        reader.close()


async def test_audit_row_fails_with_its_batch(tmp_path):
    """A batch whose other statement fails leaves no audit row behind (one transaction)."""
    path = tmp_path / "hallq.db"
    writer = Writer(path)
    writer.start()
    try:
        bad = WriteBatch(writes=[AuditEntry(at=1.0, actor="x", action="cancel"), _Broken()])
        with pytest.raises(Exception):  # noqa: B017 - whatever the writer raises, the batch failed
            await writer.submit(bad)
    finally:
        await writer.stop()
    conn = connect(path)
    assert conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == 0
    conn.close()


def test_migration_creates_the_audit_table(tmp_path):
    db = open_database(tmp_path / "hallq.db")
    assert "audit" in db.table_names()
    assert {c.name for c in db["audit"].columns} == {"id", "at", "actor", "device", "action", "target",
                                                      "before", "after"}
