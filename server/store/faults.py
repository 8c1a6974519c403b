"""Storage faults in plain words: what went wrong with the database file, and whether it may pass.

Every failed commit is classified here, so the service answers `unavailable` (retry) with a reason
health can show, instead of a bare internal error."""
from __future__ import annotations

import errno
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path


class StorageFault(Exception):
    """A write that did not reach the disk; `reason` is one of REASONS."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class StaleBatch(StorageFault):
    """A batch decided on top of a batch whose commit failed: refused unwritten."""

    def __init__(self, epoch: int):
        super().__init__("earlier_write_failed", f"decided in epoch {epoch}, after a failed commit")


# reason -> what the hall's staff read on the health answer and the manager board
REASONS = {
    "locked": "another program holds the database's write lock",
    "read_only": "the database file cannot be written (read-only file, folder or disk)",
    "disk_full": "the disk holding the database is full",
    "file_missing": "the database file was deleted while the server ran",
    "file_replaced": "the database file was replaced by another file while the server ran",
    "constraint": "a write broke a database constraint (nothing of that group was stored)",
    "io_error": "the disk reported an input/output error",
    "earlier_write_failed": "an earlier action could not be saved",
    "needs_attention": "the stored history could not be replayed; see the log and run `hallq doctor`",
    "storage_error": "the database could not be written",
}


def classify(exc: BaseException, path: Path | None = None) -> StorageFault:
    """The fault behind a failed write; an I/O error is looked at closer (read-only? full?)."""
    fault = _by_message(exc)
    if path is not None and fault.reason in ("io_error", "storage_error"):
        fault = _diagnose(path) or fault
    return fault


def _diagnose(path: Path) -> StorageFault | None:
    """Why the files cannot be written: try to open them for writing, and look at the free space."""
    for name in (path, Path(f"{path}-wal")):
        try:
            os.close(os.open(name, os.O_WRONLY | os.O_APPEND))
        except FileNotFoundError:
            continue
        except OSError as exc:
            if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
                return StorageFault("read_only", f"{name}: {exc.strerror}")
            if exc.errno == errno.ENOSPC:
                return StorageFault("disk_full", f"{name}: {exc.strerror}")
    try:
        if os.statvfs(path.parent).f_bavail == 0:
            return StorageFault("disk_full", f"no free space left under {path.parent}")
    except OSError:
        return None
    return None


def _by_message(exc: BaseException) -> StorageFault:
    if isinstance(exc, StorageFault):
        return exc
    text = str(exc).lower()
    name = getattr(exc, "sqlite_errorname", "") or ""
    if isinstance(exc, sqlite3.IntegrityError):
        return StorageFault("constraint", str(exc))
    for reason, marks in (("locked", ("locked", "busy")), ("read_only", ("readonly", "read-only")),
                          ("disk_full", ("full",)), ("io_error", ("disk i/o", "ioerr"))):
        if any(m in text or m in name.lower() for m in marks):
            return StorageFault(reason, str(exc))
    if isinstance(exc, OSError):
        return StorageFault("io_error", str(exc))
    return StorageFault("storage_error", str(exc))


@dataclass(frozen=True)
class FileIdentity:
    """Which file the write connection opened (device and inode). A file deleted or replaced under
    the running server is noticed before the next commit, so nothing is written where nobody will
    ever read it again."""

    path: Path
    dev: int
    ino: int

    @classmethod
    def of(cls, path: Path) -> FileIdentity:
        st = os.stat(path)
        return cls(path, st.st_dev, st.st_ino)

    def check(self) -> None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise StorageFault("file_missing", str(self.path)) from None
        if (st.st_dev, st.st_ino) != (self.dev, self.ino):
            raise StorageFault("file_replaced", str(self.path))
