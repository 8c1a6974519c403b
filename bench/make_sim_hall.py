"""Generate the simulator's hall: the demo hall grown to 40 windows, a clerk per window, 20
displays, 2 speakers, 6 kiosks, a counter and a rating pad per window.

    .venv/bin/python -m bench.make_sim_hall            # writes bench/sim_hall.toml + bench/sim_credentials.toml

The hall file holds only hashes (server/security.py); the plaintext PINs and tokens go to the sibling
credentials file, read with `load_config(hall, credentials)` like the demo's. The simulator rewrites a
few keys at run time (`hall_toml_text(..., overrides)`): port, database, and the day boundary.

Differences from the demo hall, on purpose: no daily caps and no issuing hours (the server runs on
the wall clock and the simulated day must not depend on the hour it is run at), and a kiosk rate
limit high enough for a day compressed into minutes.
"""
from __future__ import annotations

import argparse
import copy
import random
import sys
import tomllib
from pathlib import Path

from server.config import DEMO_HALL_PATH
from server.security import hash_pin, hash_token

HERE = Path(__file__).resolve().parent
HALL_PATH = HERE / "sim_hall.toml"
CREDENTIALS_PATH = HERE / "sim_credentials.toml"

WINDOWS = 40
DISPLAYS = 20
SPEAKERS = 2
KIOSKS = 6
CLERK_BASE = 2000

SERVER = {"host": "127.0.0.1", "port": 8090, "db_path": "var/sim/hallq-sim.db", "log_level": "warning",
          # a simulated day squeezes ~8,000 tickets into minutes: 6 kiosks, peaks of ~100/min each
          "kiosk_rate_per_min": 3000,
          # a stalled display may miss many events and must still get a gapless replay
          "ws_replay_limit": 60000, "ws_send_queue": 4000}


# --- a small TOML writer (enough for the hall file: scalars, arrays, inline tables) ------------

def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_scalar(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def _key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() and key.isascii() else _scalar(key)


def _table_lines(header: str, table: dict, array: bool) -> list[str]:
    subtables = {k: v for k, v in table.items() if isinstance(v, dict) and k in ("policy", "printer")}
    lines = [f"[[{header}]]" if array else f"[{header}]"]
    lines += [f"{_key(k)} = {_scalar(v)}" for k, v in table.items() if k not in subtables]
    for name, sub in subtables.items():
        lines += [f"[{header}.{name}]"] + [f"{_key(k)} = {_scalar(v)}" for k, v in sub.items()]
    return lines + [""]


def dump_toml(data: dict, comment: str = "") -> str:
    lines = [f"# {line}" if line else "#" for line in comment.splitlines()] + ([""] if comment else [])
    for name, value in data.items():
        if isinstance(value, list):
            for item in value:
                lines += _table_lines(name, item, array=True)
        else:
            lines += _table_lines(name, value, array=False)
    return "\n".join(lines)


# --- the hall ---------------------------------------------------------------------------------

def _windows(demo_windows: list[dict]) -> list[dict]:
    """Windows 1-16 as in the demo; 17-40 repeat the demo's department windows 3-15."""
    windows = [copy.deepcopy(w) for w in demo_windows]
    pattern = [w for w in demo_windows if w.get("kind", "normal") == "normal"]
    for number in range(len(windows) + 1, WINDOWS + 1):
        w = copy.deepcopy(pattern[(number - 17) % len(pattern)])
        w["number"] = number
        w.pop("name", None)
        windows.append(w)
    for w in windows:
        w["zone"] = "east" if w["number"] <= WINDOWS // 2 else "west"
    return windows


def build(seed: int | None = None) -> tuple[dict, dict]:
    """(hall dict, credentials dict). Random PINs and tokens unless a seed is given."""
    rng = random.Random(seed) if seed is not None else random.SystemRandom()
    demo = tomllib.loads(DEMO_HALL_PATH.read_text(encoding="utf-8"))
    services = []
    for s in demo["services"]:
        s = dict(s)
        s.pop("daily_cap", None)
        s.pop("issuing_hours", None)
        services.append(s)
    hall = {"center": dict(demo["center"], opening_hours=[]), "rules": dict(demo["rules"]),
            "server": dict(SERVER), "voice": dict(demo.get("voice", {})),
            "departments": demo["departments"], "services": services, "windows": _windows(demo["windows"])}
    staff_creds: dict[str, str] = {}
    device_creds: dict[str, str] = {}
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    staff = []
    for n in range(1, WINDOWS + 1):
        number = str(CLERK_BASE + n)
        staff_creds[number] = f"{rng.randrange(10**6):06d}"
        staff.append({"number": number, "name": surnames[n % len(surnames)] + "员" + str(n),
                      "role": "clerk", "windows": [n]})
    for member in demo["staff"]:
        if member.get("role") in ("manager", "guide"):
            number = member["number"]
            staff_creds[number] = f"{rng.randrange(10**6):06d}"
            staff.append({k: v for k, v in member.items() if k != "pin_hash"})
    for member in staff:
        member["pin_hash"] = hash_pin(staff_creds[member["number"]])
    devices = []

    agent_creds: dict[str, str] = {}

    def secret(prefix: str) -> str:
        return prefix + "".join(rng.choice("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
                                for _ in range(24))

    def device(device_id: str, kind: str, agent: bool = False, **extra) -> None:
        token = secret(f"sim-{device_id}-")
        device_creds[device_id] = token
        devices.append({"id": device_id, "kind": kind, **extra, "token_hash": hash_token(token)})
        if agent:  # print agents and speakers sign in with their own token
            agent_creds[device_id] = secret(f"sim-agent-{device_id}-")
            devices[-1]["agent_token_hash"] = hash_token(agent_creds[device_id])

    for k in range(1, KIOSKS + 1):
        device(f"kiosk-{k}", "kiosk", agent=True, **({"green_channel": True} if k == 1 else {}))
    for d in range(1, DISPLAYS + 1):
        device(f"display-{d:02d}", "display")
    for s in range(1, SPEAKERS + 1):
        device(f"speaker-{s}", "display", agent=True)
    for n in range(1, WINDOWS + 1):
        device(f"counter-{n:02d}", "counter", window=n)
        device(f"rating-{n:02d}", "rating_pad", window=n)
    hall["staff"] = staff
    hall["devices"] = devices
    return hall, {"staff": staff_creds, "devices": device_creds, "agents": agent_creds}


HALL_COMMENT = """The simulator's hall (bench/simulate_day.py), generated by bench/make_sim_hall.py from the demo hall.
40 windows (1-16 as in the demo, 17-40 repeat its department windows), a clerk per window (2001-2040),
20 hall displays, 2 speakers, 6 kiosks (kiosk-1 may issue green-channel tickets), a counter and a rating
pad per window. No daily caps or issuing hours; kiosk_rate_per_min raised for a compressed day.
Plaintext credentials: bench/sim_credentials.toml. BENCH ONLY: never use in a real hall."""


def hall_toml_text(hall: dict, **server_overrides) -> str:
    """The hall as TOML, with [server] keys replaced (port, db_path) and center.day_boundary if given."""
    hall = dict(hall)
    boundary = server_overrides.pop("day_boundary", None)
    if boundary:
        hall["center"] = dict(hall["center"], day_boundary=boundary)
    hall["server"] = dict(hall["server"], **server_overrides)
    return dump_toml(hall, HALL_COMMENT)


def credentials_toml_text(creds: dict) -> str:
    return dump_toml({"staff": creds["staff"], "devices": creds["devices"], "agents": creds["agents"]},
                     "Plaintext credentials of the simulator's hall (bench/sim_hall.toml holds the hashes).\n"
                     "BENCH ONLY. [staff]: staff number = \"PIN\"; [devices]: device id = \"token\"; "
                     "[agents]: device id = \"agent token\".")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, help="make PINs and tokens reproducible")
    parser.add_argument("--out", default=str(HALL_PATH))
    parser.add_argument("--credentials", default=str(CREDENTIALS_PATH))
    args = parser.parse_args(argv)
    hall, creds = build(args.seed)
    Path(args.out).write_text(hall_toml_text(hall), encoding="utf-8")
    Path(args.credentials).write_text(credentials_toml_text(creds), encoding="utf-8")
    print(f"wrote {args.out} ({len(hall['windows'])} windows, {len(hall['staff'])} staff, "
          f"{len(hall['devices'])} devices) and {args.credentials}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
