"""The agent's print journal: an append-only, fsync'd file of job ids and what became of them.

One line per step: `start <job_id>` just before the bytes go to the printer, then `done <job_id>`
or `fail <job_id>`. A job whose last record is `done` is never printed again (its ack was lost:
acknowledge it again); `start` without an ending means the agent died mid-print, and since the
ticket may well be out, it is not printed again either (the kiosk offers a reprint instead);
`fail` means nothing came out, so a resent job prints.
"""

import os
from pathlib import Path

STEPS = ("start", "done", "fail")
KEEP_ENTRIES = 20000  # about two busy days of tickets; older job ids are never resent


class PrintJournal:
    """Blocking file I/O: the agent calls it from a worker thread."""

    def __init__(self, path: str | os.PathLike, keep: int = KEEP_ENTRIES) -> None:
        self.path = Path(path)
        self.keep = keep
        self._last: dict[str, str] = {}
        self._load()

    def state(self, job_id: str) -> str | None:
        """The last step recorded for the job: start, done, fail, or None if never seen."""
        return self._last.get(job_id)

    def record(self, job_id: str, step: str) -> None:
        if step not in STEPS or not job_id or any(ch.isspace() for ch in job_id):
            raise ValueError(f"bad journal record {step!r} {job_id!r}")
        with open(self.path, "a", encoding="utf-8") as journal:
            journal.write(f"{step} {job_id}\n")
            journal.flush()
            os.fsync(journal.fileno())
        self._last.pop(job_id, None)
        self._last[job_id] = step

    def _load(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            return
        for line in self.path.read_text(encoding="utf-8").splitlines():
            step, _, job_id = line.partition(" ")
            if step in STEPS and job_id:  # a torn last line after a crash is skipped
                self._last.pop(job_id, None)
                self._last[job_id] = step
        if len(self._last) > self.keep:
            self._compact()

    def _compact(self) -> None:
        """Keep the newest `keep` jobs; rewrite atomically so a crash leaves the old file whole."""
        newest = list(self._last.items())[-self.keep:]
        self._last = dict(newest)
        temporary = self.path.with_name(self.path.name + ".tmp")
        with open(temporary, "w", encoding="utf-8") as journal:
            journal.writelines(f"{step} {job_id}\n" for job_id, step in newest)
            journal.flush()
            os.fsync(journal.fileno())
        os.replace(temporary, self.path)
