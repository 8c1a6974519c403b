"""`hallq doctor --db FILE`: is this database sound? Checks, in plain words, read-only:

1. SQLite's own integrity check;
2. the schema's migrations are all applied;
3. the event chain: sequence numbers without gaps or repeats, each record readable, days in order;
4. every ticket an event names was stored;
5. the state rebuild: every business day's events replay through the rules.

Exit code 0 when all is well, 1 when something is damaged, 2 when the file cannot be opened.
Safe on a running server's file (it only reads)."""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from .domain.hall import HallConfig
from .service import replay_day
from .store.schema import migrations

MAX_LISTED = 5  # problems listed per check; the rest are counted


@dataclass(frozen=True)
class Finding:
    check: str
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def render(self) -> str:
        if self.ok:
            return f"OK       {self.check}"
        more = len(self.problems) - MAX_LISTED
        lines = [f"DAMAGED  {self.check}"] + [f"         - {p}" for p in self.problems[:MAX_LISTED]]
        return "\n".join(lines + ([f"         ... and {more} more"] if more > 0 else []))


def open_read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise FileNotFoundError(f"there is no file {path}")
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # fails here if it is not a database
    return conn


def integrity(conn: sqlite3.Connection) -> Finding:
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    return Finding("SQLite integrity check", () if rows == ["ok"] else tuple(rows))


def schema(conn: sqlite3.Connection) -> Finding:
    pending = [m.name for m in migrations().pending(Database(conn))]
    return Finding("schema migrations applied",
                   tuple(f"migration {name} is not applied (start the server once to apply it)" for name in pending))


def event_chain(conn: sqlite3.Connection) -> Finding:
    problems: list[str] = []
    expected, last_day = None, ""
    for row in conn.execute("SELECT seq, type, day, data FROM events ORDER BY seq"):
        seq = row["seq"]
        if expected is not None and seq != expected:
            problems.append(f"events {expected}..{seq - 1} are missing (the chain jumps from {expected - 1} to {seq})")
        expected = seq + 1
        try:
            data = json.loads(row["data"])
        except ValueError:
            problems.append(f"event {seq} cannot be read (its record is not valid JSON)")
            continue
        if data.get("seq") != seq or data.get("type") != row["type"]:
            problems.append(f"event {seq}: its record says seq {data.get('seq')} type {data.get('type')}")
        if row["day"] < last_day:
            problems.append(f"event {seq} belongs to {row['day']}, after events of {last_day}")
        last_day = max(last_day, row["day"])
    return Finding("event chain without gaps", tuple(problems))


def tickets_stored(conn: sqlite3.Connection) -> Finding:
    rows = conn.execute("SELECT e.seq, e.type, e.ticket_id FROM events e LEFT JOIN tickets t ON t.id = e.ticket_id "
                        "WHERE e.ticket_id IS NOT NULL AND t.id IS NULL ORDER BY e.seq")
    return Finding("every ticket named by an event was stored",
                   tuple(f"event {r['seq']} ({r['type']}) names ticket {r['ticket_id']}, which was never stored"
                         for r in rows))


def rebuild(conn: sqlite3.Connection, hall: HallConfig) -> Finding:
    problems = []
    for (day,) in conn.execute("SELECT DISTINCT day FROM events ORDER BY day").fetchall():
        problem = replay_day(conn, hall, day).problem
        if problem is not None:
            problems.append(f"{day}: event {problem['seq']} ({problem['type']}) cannot be applied: {problem['reason']}")
    return Finding("state rebuilds from the events, day by day", tuple(problems))


def examine(path: Path, hall: HallConfig) -> list[Finding]:
    conn = open_read_only(path)
    try:
        found = [integrity(conn), schema(conn)]
        if not found[0].ok:
            return found  # a damaged file: the other checks would only repeat it
        return found + [event_chain(conn), tickets_stored(conn), rebuild(conn, hall)]
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hallq doctor", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="the SQLite database file")
    parser.add_argument("--config", help="the hall configuration (TOML); default: the built-in demo hall")
    args = parser.parse_args(argv)
    from .config import ConfigError, load_config, load_demo
    try:
        hall = (load_config(args.config) if args.config else load_demo()).hall
    except (ConfigError, OSError) as exc:
        print(f"hallq doctor: configuration error: {exc}", file=sys.stderr)
        return 2
    try:
        findings = examine(Path(args.db), hall)
    except (OSError, sqlite3.Error) as exc:
        print(f"hallq doctor: cannot open {args.db}: {exc}", file=sys.stderr)
        return 2
    print("\n".join(f.render() for f in findings))
    damaged = [f for f in findings if not f.ok]
    verdict = "sound." if not damaged else (f"DAMAGED ({len(damaged)} of {len(findings)} checks failed). "
                                            "Keep a copy of the file before any repair.")
    print(f"\n{args.db}: {verdict}")
    return 1 if damaged else 0


if __name__ == "__main__":
    raise SystemExit(main())
