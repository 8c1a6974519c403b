"""A throw-away PostgreSQL in a temporary folder, for tests, benchmarks and `hallq city demo`.

initdb refuses to run as root, so when we are root the cluster belongs to the `postgres` system
user (Debian's package creates it) and every server program runs through `runuser -u postgres`.
The server listens only on a Unix socket inside the folder (no TCP port to collide with).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

PG_BIN = Path(os.environ.get("HALLQ_PG_BIN", "/usr/lib/postgresql/15/bin"))
SUPERUSER = "hallq"


def _find_free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TempPostgres:
    """initdb + pg_ctl in a temporary folder; `dsn` connects over the folder's Unix socket."""

    def __init__(self, folder: str | Path | None = None, port: int | None = None,
                 password: str | None = None, tls: tuple[Path, Path] | None = None) -> None:
        """password: scram-sha-256 for every connection, listening on 127.0.0.1 (a test of passwords);
        tls: (certificate, key) files, so clients can verify the server (sslmode verify-full)."""
        self.folder = Path(folder or tempfile.mkdtemp(prefix="hallq-pg-"))
        self.port = port or _find_free_port()  # without a password it only names the socket file
        self.password, self.tls = password, tls
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self._as_postgres = os.geteuid() == 0

    # --- connection strings ------------------------------------------------------------------------

    def dsn(self, user: str = SUPERUSER, database: str = "postgres") -> str:
        if self.password is not None:
            return f"postgresql://{user}@localhost:{self.port}/{database}"
        return f"postgresql://{user}@/{database}?host={self.folder}&port={self.port}"

    # --- life cycle --------------------------------------------------------------------------------

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(PG_BIN / args[0]), *args[1:]]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    def init(self) -> TempPostgres:
        if self._as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        os.chmod(self.folder, 0o700)
        auth = ["-A", "trust"]
        if self.password is not None:
            pwfile = self.folder / "superuser.pw"
            pwfile.write_text(self.password, encoding="utf-8")
            self._own(pwfile)
            auth = ["-A", "scram-sha-256", f"--pwfile={pwfile}"]
        self._run("initdb", "-D", str(self.data), *auth, "-U", SUPERUSER, "-E", "UTF8", "--no-sync")
        if self.tls:
            for source, name in zip(self.tls, ("server.crt", "server.key"), strict=True):
                target = self.data / name
                shutil.copy(source, target)
                self._own(target)
                os.chmod(target, 0o600)
        return self

    def _own(self, path: Path) -> None:
        if self._as_postgres:
            shutil.chown(path, "postgres", "postgres")

    def start(self, durable: bool = False) -> TempPostgres:
        """durable=False turns fsync off (tests: faster, and a lost test database costs nothing)."""
        listen = "127.0.0.1" if self.password is not None else "''"
        options = f"-k {self.folder} -p {self.port} -c listen_addresses={listen}" + ("" if durable else " -c fsync=off")
        if self.tls:
            options += " -c ssl=on"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "-t", "60", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def is_running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> TempPostgres:
        return self.init().start()

    def __exit__(self, *exc) -> None:
        self.remove()
