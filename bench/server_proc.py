"""Run `hallq serve` as its own process for a benchmark: the demo hall, a fresh database, a free port.

The load generator must not share the server's event loop (a client in the same process steals
its time), so benchmarks start the server with `ServerProcess` and drive it over 127.0.0.1.
On a machine with 2+ CPUs the server is pinned to CPU 0 and the caller (the load) to CPU 1, so
each has one core.

    with ServerProcess(server_settings={"kiosk_rate_per_min": 1_000_000}) as server:
        server.url("/api/health"), server.token("kiosk-1"), server.pin("1001"), server.rss_kb()
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_HALL = ROOT / "server" / "demo_hall.toml"
DEMO_CREDENTIALS = ROOT / "server" / "demo_credentials.toml"
PYTHON = Path(sys.executable)  # the interpreter running the bench, wherever its virtualenv lives
VAR = ROOT / "var"


def var_dir(*parts: str) -> Path:
    """A folder under var/ (git-ignored), created on first use so a fresh clone runs the benches."""
    path = VAR.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def toml_value(value) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def derived_config(base: str, server_settings: dict) -> str:
    """The base TOML with keys of its [server] table replaced or added (the table must exist)."""
    lines, out, in_server = base.splitlines(), [], False
    for line in lines:
        header = re.match(r"\s*\[+([^\]]+)\]+", line)
        if header:
            if in_server:
                out.extend(f"{k} = {toml_value(v)}" for k, v in server_settings.items())
            in_server = header.group(1).strip() == "server"
        key = re.match(r"\s*([A-Za-z0-9_]+)\s*=", line)
        if in_server and key and key.group(1) in server_settings:
            continue
        out.append(line)
    if in_server:
        out.extend(f"{k} = {toml_value(v)}" for k, v in server_settings.items())
    text = "\n".join(out) + "\n"
    assert tomllib.loads(text)["server"].items() >= server_settings.items(), "no [server] table in the base"
    return text


def demo_credentials() -> dict:
    with open(DEMO_CREDENTIALS, "rb") as f:
        return tomllib.load(f)


def pin_to_cpu(pid: int, cpu: int) -> bool:
    """Pin a process to one CPU when the machine has it; False when it cannot (one CPU, no permission)."""
    try:
        os.sched_setaffinity(pid, {cpu})
        return True
    except (AttributeError, OSError, ValueError):
        return False


class ServerProcess:
    """`python -m server.cli serve` on the demo hall (or `config`), fresh DB, free port, bounded waits."""

    def __init__(self, server_settings: dict | None = None, *, workdir: str | Path | None = None,
                 log_level: str = "info", pin: bool = True, config: Path = DEMO_HALL, root: Path = ROOT):
        """`root`: the source tree to run (another checkout, e.g. `git archive` of an older commit, for
        an A/B comparison in one session); the venv is always this repository's."""
        self.server_settings = {"log_level": log_level, **(server_settings or {})}
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="hallq-bench-", dir=var_dir())
        self.workdir = Path(workdir or self._tmp.name)
        self.pin_cpus, self.base_config, self.root = pin, config, Path(root)
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.creds = demo_credentials()
        self.db_path = self.workdir / "hallq.db"
        self.log_path = self.workdir / "server.log"

    # --- life cycle -----------------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> ServerProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        config_path = self.workdir / "hall.toml"
        config_path.write_text(derived_config(self.base_config.read_text(encoding="utf-8"), self.server_settings),
                               encoding="utf-8")
        self.port = free_port()
        env = dict(os.environ, PYTHONUNBUFFERED="1",
                   ESCPOS_CAPABILITIES_PICKLE_DIR=str(var_dir("escpos")))
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - open while the server runs; closed in stop()
        self.proc = subprocess.Popen(
            [str(PYTHON), "-m", "server.cli", "serve", "--config", str(config_path), "--db", str(self.db_path),
             "--host", "127.0.0.1", "--port", str(self.port), "--no-demo-printers"],
            cwd=self.root, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        if self.pin_cpus and (os.cpu_count() or 1) >= 2:
            pin_to_cpu(self.proc.pid, 0)
            pin_to_cpu(os.getpid(), 1)
        self._wait_healthy(timeout)
        return self

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                self.health()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server not healthy within {timeout} s:\n{self.log_tail()}")

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM (the server closes sockets and the writer), then SIGKILL if it is still there."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()
        code, self.proc = self.proc.returncode, None
        return code

    def cleanup(self) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.cleanup()

    # --- what a benchmark needs -----------------------------------------------------------------

    @property
    def pid(self) -> int:
        return self.proc.pid

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/ws"

    def health(self) -> dict:
        with urllib.request.urlopen(self.url("/api/health"), timeout=2) as resp:
            return json.loads(resp.read())

    def token(self, device_id: str) -> str:
        return self.creds["devices"][device_id]

    def pin(self, staff: str) -> str:
        return self.creds["staff"][staff]

    def rss_kb(self) -> int:
        return proc_status_kb(self.pid, "VmRSS")

    def cpu_seconds(self) -> float:
        """User + system CPU time the server has used so far."""
        with open(f"/proc/{self.pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""



def repeat_runs(count: int, one_run, args, describe) -> list[dict]:
    """Run `one_run(args)` `count` times in fresh event loops, noting the machine's load around each
    run and printing `describe(figures)` per run to stderr; the benchmarks' shared outer loop."""
    import asyncio
    runs = []
    for n in range(count):
        load_before = os.getloadavg()[0]
        figures = asyncio.run(one_run(args))
        figures["loadavg_1min"] = [load_before, os.getloadavg()[0]]  # other work on the machine
        runs.append(figures)
        print(f"run {n + 1}: {describe(figures)}", file=sys.stderr, flush=True)
    if getattr(args, "json", None):
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(runs, f, indent=1)
    return runs

def sched_seconds(pid: int) -> tuple[float, float]:
    """(CPU seconds run, seconds spent runnable but waiting for a CPU) over all threads of a process.
    The wait is what other work on a noisy machine costs us: it shows whether a figure is ours."""
    ran = waited = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat", encoding="ascii") as f:
                run_ns, wait_ns, _ = f.read().split()
        except (OSError, ValueError):
            continue  # the thread ended meanwhile
        ran, waited = ran + int(run_ns), waited + int(wait_ns)
    return ran / 1e9, waited / 1e9


class SchedWatch:
    """CPU used and run-queue wait of some processes between start and `read()`, per wall second."""

    def __init__(self, **pids: int):
        self.pids = pids
        self.start = time.perf_counter()
        self.first = {name: sched_seconds(pid) for name, pid in pids.items()}

    def read(self) -> dict:
        wall = time.perf_counter() - self.start
        out = {}
        for name, pid in self.pids.items():
            ran, waited = sched_seconds(pid)
            out[f"{name}_cpu"] = (ran - self.first[name][0]) / wall
            out[f"{name}_runq_wait"] = (waited - self.first[name][1]) / wall
        return out


def proc_status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"nproc={os.cpu_count()}, {cpu}, Python {sys.version.split()[0]}"


def fsync_probe(count: int = 500, directory: Path = VAR) -> dict:
    """The floor under any durable commit here: p50/p99 ms of appending 4 KiB and fsync, `count` times."""
    directory.mkdir(parents=True, exist_ok=True)
    path, times = directory / f"fsync-probe-{os.getpid()}", []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for _ in range(min(count, 10_000)):
            os.write(fd, b"x" * 4096)
            start = time.perf_counter()
            os.fsync(fd)
            times.append((time.perf_counter() - start) * 1000)
    finally:
        os.close(fd)
        path.unlink()
    times.sort()
    return {"n": len(times), "p50_ms": times[len(times) // 2], "p99_ms": times[int(0.99 * (len(times) - 1))],
            "max_ms": times[-1]}


if __name__ == "__main__":
    if sys.argv[1:] == ["fsync"]:  # python -m bench.server_proc fsync: the disk's commit floor
        print(fsync_probe())
        sys.exit(0)
    with ServerProcess() as srv:  # smoke test: start, report health and memory, stop
        print(srv.url(), srv.health(), f"RSS {srv.rss_kb()} kB")
    print("stopped")
