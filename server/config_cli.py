"""`hallq check-config`, `hallq hash-pin` and `hallq new-token` (wired into server/cli.py).

Each `*_main(argv)` takes the arguments after the sub-command and returns the exit code.
"""
from __future__ import annotations

import argparse
import getpass
import re
import sys
from types import MappingProxyType
from typing import TextIO

from .config import ConfigError, Settings, load_config
from .config_schema import DEVICE_ID
from .security import hash_pin, hash_token, new_token

PIN_RE = re.compile(r"^\d{4,12}$")


def summary(settings: Settings) -> str:
    hall = settings.hall
    kinds = [w.kind for w in hall.windows]
    return (f"OK: {len(hall.departments)} departments, {len(hall.services)} services, {len(hall.windows)} windows "
            f"({kinds.count('comprehensive')} comprehensive, {kinds.count('appointment')} appointment), "
            f"{len(hall.staff)} staff, {len(hall.devices)} devices")


def check_config_main(argv: list[str], out: TextIO | None = None, err: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hallq check-config", description="Validate a hall TOML file.")
    parser.add_argument("file", help="the hall configuration, e.g. server/demo_hall.toml")
    parser.add_argument("--credentials", help="also check a demo credentials file against the hall")
    args = parser.parse_args(argv)
    try:
        settings = load_config(args.file, args.credentials)
    except ConfigError as exc:
        print(f"error: {exc.source or args.file}: {exc}", file=err or sys.stderr)
        return 1
    print(summary(settings), file=out or sys.stdout)
    return 0


def _read_pin(stdin: TextIO) -> str:
    if stdin.isatty():
        pin = getpass.getpass("PIN: ")
        if getpass.getpass("PIN again: ") != pin:
            raise ValueError("the two PINs differ")
        return pin
    return stdin.readline().strip()


def hash_pin_main(argv: list[str], stdin: TextIO | None = None, out: TextIO | None = None,
                  err: TextIO | None = None) -> int:
    argparse.ArgumentParser(prog="hallq hash-pin",
                            description="Read a PIN (prompt, or one line on stdin) and print its pin_hash.").parse_args(argv)
    try:
        pin = _read_pin(stdin or sys.stdin)
    except ValueError as exc:
        print(f"error: {exc}", file=err or sys.stderr)
        return 1
    if not PIN_RE.match(pin):
        print("error: a PIN is 4 to 12 digits", file=err or sys.stderr)
        return 1
    print(hash_pin(pin), file=out or sys.stdout)
    return 0


def new_token_main(argv: list[str], out: TextIO | None = None, err: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hallq new-token",
                                     description="Make a device token: give the token to the device, "
                                                 "put the token_hash line in the hall file.")
    parser.add_argument("--device", help="device id, to label the output")
    parser.add_argument("--agent", action="store_true",
                        help="a token for the device's agent (print agent, speaker): prints agent_token_hash")
    args = parser.parse_args(argv)
    if args.device is not None and DEVICE_ID(args.device):
        print(f"error: --device {DEVICE_ID(args.device)}", file=err or sys.stderr)
        return 1
    token = new_token()
    out = out or sys.stdout
    label = (" for the agent of " if args.agent else " for ") + args.device if args.device else ""
    where = "the agent's --token-file" if args.agent else "the device"
    print(f"token{label} (shown once; configure it on {where}): {token}", file=out)
    if args.device:
        print(f"# [[devices]] id = \"{args.device}\"", file=out)
    key = "agent_token_hash" if args.agent else "token_hash"
    print(f'{key} = "{hash_token(token)}"', file=out)
    return 0


COMMANDS = MappingProxyType({"check-config": check_config_main, "hash-pin": hash_pin_main, "new-token": new_token_main})

if __name__ == "__main__":  # python -m server.config_cli check-config FILE (until server/cli.py wires these)
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(f"usage: python -m server.config_cli {{{','.join(COMMANDS)}}} ...")
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
