"""Consistent copies of the hall's database while it runs, and putting one back.

The copy uses SQLite's online backup API (a snapshot of one committed state, even with the writer
committing meanwhile), is checked with `PRAGMA integrity_check`, then the oldest copies beyond
`keep` are removed. A restore checks the copy the same way before it touches the live file.
"""
from __future__ import annotations

import os
import re
import sqlite3
import time
from pathlib import Path

PREFIX = "hallq-"
SUFFIX = ".db"
REQUIRED_TABLES = ("events", "tickets")


class BackupError(Exception):
    pass


def backup(db: Path, folder: Path, keep: int, now: float) -> tuple[Path, list[Path]]:
    if not db.is_file():
        raise BackupError(f"no database at {db}")
    folder.mkdir(parents=True, exist_ok=True)
    target = _free_name(folder, now)
    partial = target.with_suffix(".partial")
    source = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        dest = sqlite3.connect(partial)
        try:
            source.backup(dest, pages=1024)  # in steps: the hall's writer is never held up for long
            dest.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal/-shm beside it
        finally:
            dest.close()
    finally:
        source.close()
    problem = check_copy(partial)
    if problem:
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its check: {problem}")
    os.replace(partial, target)
    return target, _prune(folder, keep)


def _free_name(folder: Path, now: float) -> Path:
    """hallq-YYYYmmdd-HHMMSS-NNN.db (UTC): names sort in the order the copies were made."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now))
    taken = [p.stem.rsplit("-", 1)[-1] for p in folder.glob(f"{PREFIX}{stamp}-*{SUFFIX}")]
    # after the newest of that second, even if older ones were pruned
    n = 1 + max((int(t) for t in taken if re.fullmatch(r"[0-9]{3,}", t)), default=-1)
    return folder / f"{PREFIX}{stamp}-{n:03d}{SUFFIX}"


def copies(folder: Path) -> list[Path]:
    """The backups in a folder, oldest first (their names sort by time)."""
    return sorted(p for p in folder.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())


def _prune(folder: Path, keep: int) -> list[Path]:
    old = copies(folder)[:-keep]
    for path in old:
        path.unlink()
    return old


def check_copy(path: Path) -> str | None:
    """What is wrong with a database copy, or None: integrity_check, and the hall's tables present."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return f"not a readable SQLite database ({exc})"
    if result != ["ok"]:
        return "integrity_check: " + "; ".join(result[:5])
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    return f"not a hallq database (missing tables: {', '.join(missing)})" if missing else None


def restore(copy: Path, db: Path, now: float) -> Path | None:
    """Replace `db` with `copy` after checking it; the replaced file is kept beside it. The server
    must be stopped (its open connections would keep writing to the replaced file)."""
    if not copy.is_file():
        raise BackupError(f"no backup at {copy}")
    problem = check_copy(copy)
    if problem:
        raise BackupError(f"{copy} cannot be restored: {problem}; nothing was changed")
    db.parent.mkdir(parents=True, exist_ok=True)
    staged = db.with_name(db.name + ".restoring")
    source, dest = sqlite3.connect(f"file:{copy}?mode=ro", uri=True), sqlite3.connect(staged)
    try:
        source.backup(dest)
        dest.execute("PRAGMA journal_mode = WAL")  # as the server runs it
    finally:
        source.close()
        dest.close()
    kept = None
    if db.exists():
        kept = db.with_name(f"{db.name}.replaced-{time.strftime('%Y%m%d-%H%M%S', time.gmtime(now))}")
        os.replace(db, kept)
        if Path(f"{db}-wal").exists():  # the replaced file keeps its committed tail; it must not reach the copy
            os.replace(f"{db}-wal", f"{kept}-wal")
    Path(f"{db}-wal").unlink(missing_ok=True)
    Path(f"{db}-shm").unlink(missing_ok=True)
    os.replace(staged, db)
    return kept
