"""`hallq config export|import`, `hallq backup` and `hallq restore` (wired into server/cli.py).

Each `*_main(argv)` takes the arguments after the sub-command and returns the exit code. Import and
restore work on the database of a stopped server (a running hall is changed from its pages or the
API, which checks tickets in the live state); export and backup are safe while the hall runs.
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path
from typing import TextIO

from ..config import ConfigError, parse_config
from ..domain.calendar import business_day
from ..domain.errors import DomainError
from ..store.connection import open_database
from .backup import BackupError, backup, restore
from .document import HEADER, canonical, hall_document, read_toml, to_toml, with_server
from .store import SaveVersion, latest_version
from .rules import diff, strand_problems, summary

DEFAULT_DB = "var/hallq.db"


def _db_path(args: argparse.Namespace) -> Path:
    if args.db:
        return Path(args.db)
    if getattr(args, "config", None):
        return Path(read_toml(args.config).get("server", {}).get("db_path", DEFAULT_DB))
    return Path(DEFAULT_DB)


def _latest(path: Path) -> dict | None:
    if not path.is_file():
        raise FileNotFoundError(f"no database at {path}")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return latest_version(conn)
    except sqlite3.OperationalError:
        return None  # a database from before stored versions: nothing stored yet
    finally:
        conn.close()


# --- export --------------------------------------------------------------------------------------------

def export_main(argv: list[str], out: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hallq config export",
                                     description="Write the live (newest stored) configuration as TOML.")
    parser.add_argument("--db", help=f"the hall's database (default: the --config file's db_path, or {DEFAULT_DB})")
    parser.add_argument("--config", help="the file the server runs with: its [server] table is copied in")
    parser.add_argument("--out", help="write to this file instead of standard output")
    args = parser.parse_args(argv)
    try:
        latest = _latest(_db_path(args))
    except FileNotFoundError as exc:
        print(f"hallq config export: {exc}", file=sys.stderr)
        return 1
    if latest is None:
        print("hallq: the database holds no configuration version yet (start the server once)", file=sys.stderr)
        return 1
    server = read_toml(args.config).get("server") if args.config else None
    text = to_toml(with_server(json.loads(latest["document"]), server),
                   header=HEADER)
    print(f"configuration version {latest['version']}", file=sys.stderr)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        (out or sys.stdout).write(text)
    return 0


# --- import --------------------------------------------------------------------------------------------

def import_main(argv: list[str], out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    parser = argparse.ArgumentParser(prog="hallq config import",
                                     description="Store a hall file as the newest configuration version "
                                                 "(the server must be stopped; it uses the version at its next start).")
    parser.add_argument("file", help="the hall configuration (TOML)")
    parser.add_argument("--db", help=f"the hall's database (default: the file's db_path, or {DEFAULT_DB})")
    parser.add_argument("--dry-run", action="store_true", help="only show the difference and the checks")
    parser.add_argument("--actor", default="cli", help="who makes the change, for the version history")
    args = parser.parse_args(argv)
    try:
        raw = read_toml(args.file)
        settings = parse_config(raw, source=args.file)
    except (OSError, ValueError) as exc:  # ConfigError and TOMLDecodeError are ValueErrors
        where = exc.source if isinstance(exc, ConfigError) and exc.source else args.file
        print(f"error: {where}: {exc}", file=err)
        return 1
    path = Path(args.db) if args.db else Path(raw.get("server", {}).get("db_path", DEFAULT_DB))
    new_doc = hall_document(raw)
    try:
        answer = _import(path, new_doc, settings.hall, args.dry_run, args.actor)
    except DomainError as exc:
        print(f"refused: {exc.message}", file=err)
        for problem in exc.details.get("problems", [])[1:]:
            print(f"  {problem['field']}: {problem['message']}", file=err)
        return 1
    for line in answer["changes"] or ["(no difference)"]:
        print(line, file=out)
    verb = "would become" if args.dry_run else "is now"
    if answer["changes"]:
        print(f"{len(answer['changes'])} change(s); the configuration {verb} version {answer['version']}", file=out)
    return 0


def _import(path: Path, new_doc: dict, new_hall, dry_run: bool, actor: str) -> dict:
    from ..service import _rebuild_state  # the same replay the server runs at start
    db = open_database(path)
    try:
        latest = latest_version(db.conn)
        old_doc = json.loads(latest["document"]) if latest else {}
        version = latest["version"] if latest else 0
        changes = diff(old_doc, new_doc)
        if latest is not None and changes:
            old_hall = parse_config({**old_doc, "server": {}}).hall
            center = new_hall.center
            state = _rebuild_state(db.conn, old_hall,
                                   business_day(_now(), center.timezone, center.day_boundary_min)).state
            problems = strand_problems(old_hall, new_hall, state)
            if problems:
                raise DomainError("would_strand_tickets", problems[0]["message"], problems=problems)
        if changes and not dry_run:
            SaveVersion(version + 1, _now(), actor, None, "import", summary(changes), canonical(new_doc)).run(db.conn)
        return {"version": version + 1 if changes else version, "changes": [c.line() for c in changes]}
    finally:
        db.conn.close()


def _now() -> float:
    from ..clock import SystemClock
    return SystemClock().now()


def config_main(argv: list[str]) -> int:
    if argv[:1] == ["export"]:
        return export_main(argv[1:])
    if argv[:1] == ["import"]:
        return import_main(argv[1:])
    print("usage: hallq config export|import [options]  (`hallq config export --help`)", file=sys.stderr)
    return 2


# --- backup and restore -------------------------------------------------------------------------------

def backup_main(argv: list[str], out: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hallq backup",
                                     description="Copy the hall's database while it runs (SQLite's online backup).")
    parser.add_argument("--db", required=True, help="the hall's database")
    parser.add_argument("--to", required=True, help="the folder that keeps the copies")
    parser.add_argument("--keep", type=int, default=14, help="how many copies to keep (default 14; oldest go first)")
    args = parser.parse_args(argv)
    if args.keep < 1:
        parser.error("--keep must be at least 1")
    try:
        made, removed = backup(Path(args.db), Path(args.to), args.keep, _now())
    except BackupError as exc:
        print(f"hallq backup: {exc}", file=sys.stderr)
        return 1
    removed_note = f" ({len(removed)} older copies removed)" if removed else ""
    print(f"backup written: {made}{removed_note}", file=out or sys.stdout)
    return 0


def restore_main(argv: list[str], out: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hallq restore",
                                     description="Put a backup back as the hall's database "
                                                 "(the server must be stopped).")
    parser.add_argument("backup", help="the backup file to restore")
    parser.add_argument("--db", required=True, help="the database to replace (or create)")
    args = parser.parse_args(argv)
    try:
        kept = restore(Path(args.backup), Path(args.db), _now())
    except BackupError as exc:
        print(f"hallq restore: {exc}", file=sys.stderr)
        return 1
    note = f"; the database it replaced is kept as {kept}" if kept else ""
    print(f"restored {args.backup} to {args.db}{note}", file=out or sys.stdout)
    return 0
