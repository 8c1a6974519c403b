"""`hallq`: the command line. Each subcommand hands its arguments to the module that owns it."""
from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import signal
import sys
from pathlib import Path

log = logging.getLogger("hallq")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
GC_YOUNG_THRESHOLD = 10_000  # objects allocated before the youngest generation is collected (default 700)

PAGE_FOR_KIND = {"display": "display/hall.html", "counter": "counter/counter.html",
                 "rating_pad": "counter/pad.html", "kiosk": "kiosk/kiosk.html"}


def _delegate(module: str, function: str = "main"):
    def run(argv: list[str]) -> int:
        import importlib
        return getattr(importlib.import_module(module), function)(argv)
    return run


SUBCOMMANDS = {
    "check-config": _delegate("server.config_cli", "check_config_main"),
    "hash-pin": _delegate("server.config_cli", "hash_pin_main"),
    "new-token": _delegate("server.config_cli", "new_token_main"),
    "speaker": _delegate("display.speaker"),
    "kiosk-agent": _delegate("kiosk.agent"),
    "demo-data": _delegate("server.stats.demo_data"),
    "report": _delegate("server.stats.report"),
    "doctor": _delegate("server.doctor"),
    "city": _delegate("city.cli"),  # branch centers: the city database and dashboard (docs/city.md)
    # administration (server/admin/cli.py)
    "config": _delegate("server.admin.cli", "config_main"),
    "backup": _delegate("server.admin.cli", "backup_main"),
    "restore": _delegate("server.admin.cli", "restore_main"),
}

USAGE = """usage: hallq COMMAND [options]

commands:
  serve          start the server (the built-in demo hall when no --config is given)
  check-config   validate a hall configuration file
  hash-pin       hash a staff PIN for the configuration
  new-token      make a device token and the hash for the configuration
  sounds build   synthesise the voice clips into sounds/
  speaker        play announcements on this PC's sound card
  kiosk-agent    print a kiosk's tickets on its ESC/POS printer
  demo-data      fill a database with synthetic history
  report         print the statistics report for a date range
  doctor         check a database: integrity, event chain, state rebuild
  city           the city: init, add-hall, add-manager, serve, demo (docs/city.md)
  config export  write the live configuration as TOML (config import FILE [--dry-run]: store a file)
  backup         copy the database while the hall runs, keeping the newest N copies
  restore        check a backup and put it back as the database (server stopped)

`hallq COMMAND --help` describes each one."""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "serve":
        return serve_main(rest)
    if command == "sounds" and rest[:1] == ["build"]:
        return _delegate("server.voice.build")(rest[1:])
    if command in SUBCOMMANDS:
        return SUBCOMMANDS[command](rest)
    print(f"hallq: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2


# --- serve ---------------------------------------------------------------------------------------

def serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hallq serve", description="Start the hallq server.")
    parser.add_argument("--config", help="hall configuration (TOML); default: the built-in demo hall")
    parser.add_argument("--db", help="SQLite database file (overrides server.db_path)")
    parser.add_argument("--host", help="address to listen on (overrides server.host)")
    parser.add_argument("--port", type=int, help="port to listen on (overrides server.port)")
    parser.add_argument("--no-demo-printers", action="store_true",
                        help="do not start dummy printer agents for the demo kiosks")
    return parser


def load_settings(args: argparse.Namespace):
    from server.config import ConfigError, load_config, load_demo
    try:
        settings = load_config(args.config) if args.config else load_demo()
    except (ConfigError, OSError) as exc:
        raise SystemExit(f"hallq: configuration error: {exc}") from None
    return _override(settings, args)


def _override(settings, args: argparse.Namespace):
    server = settings.server
    derived = f"http://{server.host}:{server.port}"
    changes = {k: v for k, v in (("host", args.host), ("port", args.port), ("db_path", args.db)) if v is not None}
    server = dataclasses.replace(server, **changes)
    if server.public_url.rstrip("/") == derived:
        host = "127.0.0.1" if server.host in ("0.0.0.0", "::") else server.host
        server = dataclasses.replace(server, public_url=f"http://{host}:{server.port}")
    return dataclasses.replace(settings, server=server)


def serve_main(argv: list[str]) -> int:
    args = serve_parser().parse_args(argv)
    settings = load_settings(args)
    logging.basicConfig(level=settings.server.log_level.upper(), force=True, format=LOG_FORMAT)
    _lean_log_records()
    from server.store.faults import REASONS, StorageFault
    from server import logmask
    logmask.install()  # tokens never reach a log line
    try:
        asyncio.run(_serve(settings, demo_printers=not args.no_demo_printers))
    except StorageFault as fault:
        print(f"hallq: cannot start: the database {settings.server.db_path} cannot be written: "
              f"{REASONS.get(fault.reason, fault.reason)} ({fault.detail})", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"hallq: cannot start: {exc}", file=sys.stderr)
        return 1
    return 0


def _lean_log_records() -> None:
    """LOG_FORMAT names no source line, thread or process: the records need not look them up (the
    logging module's documented optimisation; it walked the stack on every access log line)."""
    logging._srcfile = None  # no findCaller
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def _tune_collector() -> None:
    """The cyclic collector walked every tracked object of the day again and again (5 % of the
    server's time under load, measured with perf): what exists once the server is up (code,
    configuration, the replayed day) is frozen out of its walks, and the youngest generation is
    collected less often (most of a request's objects are freed by reference counting anyway)."""
    import gc
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)


async def _serve(settings, demo_printers: bool) -> None:
    from aiohttp import web

    from server.app import create_app
    runner = web.AppRunner(create_app(settings), handle_signals=False, shutdown_timeout=5,
                           access_log_class=PathOnlyAccessLogger)
    await runner.setup()
    site = web.TCPSite(runner, settings.server.host, settings.server.port)
    await site.start()
    _tune_collector()
    print(banner(settings), flush=True)
    warning = unreachable_link_warning(settings.server.public_url)
    if warning:
        logging.getLogger("hallq").warning("%s", warning)
    agents = _demo_printer_agents(settings) if demo_printers and settings.demo_credentials else []
    await _wait_for_signal()
    for task in agents:
        task.cancel()
    await asyncio.gather(*agents, return_exceptions=True)
    await runner.cleanup()


async def _wait_for_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def _demo_printer_agents(settings) -> list[asyncio.Task]:
    """The demo's kiosks print to dummy printers (bytes and PNG previews under var/printer-dummy/)."""
    from kiosk.agent import AgentSettings, KioskAgent
    from kiosk.printers import PrinterConfig
    ws_url = settings.server.public_url.replace("http", "ws", 1) + "/api/ws"
    tasks = []
    for device in settings.hall.devices:
        token = settings.demo_credentials.get("agents", {}).get(device.id)
        if device.kind != "kiosk" or not token:
            continue
        agent = KioskAgent(AgentSettings(
            server=ws_url, token=token, printer=PrinterConfig(type="dummy", out_dir=f"var/printer-dummy/{device.id}"),
            journal_path=f"var/kiosk-agent/{device.id}.journal"))
        tasks.append(asyncio.create_task(agent.run(asyncio.Event()), name=f"demo-printer-{device.id}"))
    return tasks


def unreachable_link_warning(public_url: str) -> str | None:
    """A warning when printed QR codes and tracking links would point where phones cannot go:
    this machine's loopback, an unspecified address (0.0.0.0) or a link-local one."""
    import ipaddress
    from urllib.parse import urlsplit

    host = (urlsplit(public_url).hostname or "").strip("[]")
    try:
        address = ipaddress.ip_address(host)
        unreachable = address.is_loopback or address.is_unspecified or address.is_link_local
    except ValueError:
        unreachable = host in ("localhost", "") or host.endswith(".localhost")
    if not unreachable:
        return None
    return (f"printed QR codes and tracking links point at {public_url}, which citizens' phones cannot "
            "reach: set [server] public_url to this server's address on the hall network "
            "(e.g. http://10.20.0.5:8080 or http://queue.hall.local:8080)")


def _access_logger_base():
    from aiohttp.abc import AbstractAccessLogger
    return AbstractAccessLogger


# the base class is imported late, like everything a command may not need; mypy cannot follow a base
# that a call returns
class PathOnlyAccessLogger(_access_logger_base()):  # type: ignore[misc]
    """Access log without query strings (device pages carry their token in the URL) and with
    tracking tokens masked (/t/<token>)."""

    def log(self, request, response, time):
        from server.logmask import mask
        self.logger.info("%s %s %s %d %.1fms", request.remote, request.method, mask(request.path),
                         response.status, time * 1000)


def banner(settings) -> str:
    from server.config import format_credentials
    base = settings.server.public_url
    lines = [f"hallq serving {settings.hall.center.name.en} at {base}  (database {Path(settings.server.db_path)})",
             f"  API description: {base}/api/openapi.json", f"  Manager board:   {base}/manager/board.html"]
    creds = settings.demo_credentials
    if creds:
        lines.append("  Device pages (demo tokens):")
        for device in settings.hall.devices:
            page, token = PAGE_FOR_KIND.get(device.kind), creds["devices"].get(device.id)
            if device.kind == "display" and device.window is not None:
                page = "display/window.html"
            if page and token:
                lines.append(f"    {device.id:<14} {base}/{page}?token={token}")
        lines.append(format_credentials(settings))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
