"""The arrows between the server's parts point inward only (docs/architecture.md, "Import directions").

The imports are read with `ast` (function-level imports included, so a cycle cannot hide inside a
function); ALLOWED below is the map, written as data: an area may import only the areas it lists.
An area is a package under server/ (server.api) or a top-level module (server.service). A few
single modules are allowed across areas on their own, listed in ALLOWED_MODULES with the reason."""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "server"

BASE = {"server.domain"}  # everyone may use the pure rules
LEAVES = {"server.clock", "server.security", "server.qrsvg", "server.ratelimit"}  # no server imports
ALLOWED: dict[str, set[str]] = {
    "server": set(),  # the package's __init__
    "server.domain": set(),
    "server.store": set(),
    "server.clock": set(), "server.security": set(), "server.qrsvg": set(), "server.ratelimit": set(),
    "server.audience": set(), "server.csvsafe": set(), "server.logmask": set(),
    "server.records": BASE, "server.estimate": BASE,
    "server.views": BASE | {"server.records", "server.estimate"},
    "server.auth": BASE | {"server.security"},
    "server.printjobs": BASE | {"server.store", "server.security"},
    "server.config_schema": BASE | {"server.security"},
    "server.config": BASE | {"server.config_schema", "server.security", "server.voice", "server.citylink",
                      "server.supervision"},
    "server.config_cli": {"server.config", "server.config_schema", "server.security"},
    "server.voice": BASE,
    # the service: rules in, events out, through the store; never a view, an adapter or statistics
    "server.service": BASE | {"server.records", "server.store", "server.security"},
    "server.appkeys": {"server.auth", "server.clock", "server.ratelimit", "server.service"},
    # what the adapters share: callers, bodies, the command runner and its answers
    "server.actions": BASE | {"server.appkeys", "server.auth", "server.service", "server.records",
                              "server.views", "server.estimate", "server.printjobs", "server.security",
                              "server.store", "server.ratelimit"},
    # the adapters: HTTP, WebSocket, statistics. Each depends on the shared parts, never on another
    "server.api": BASE | {"server.actions", "server.appkeys", "server.auth", "server.service", "server.store",
                          "server.records", "server.views", "server.estimate", "server.printjobs",
                          "server.security", "server.qrsvg", "server.audience"},
    "server.hub": BASE | {"server.actions", "server.appkeys", "server.auth", "server.views", "server.audience",
                          "server.ratelimit", "server.security", "server.printjobs"},
    "server.stats": BASE | {"server.actions", "server.appkeys", "server.store", "server.config", "server.csvsafe"},
    "server.citylink": BASE | {"server.actions", "server.appkeys", "server.store"},
    "server.supervision": BASE | {"server.actions", "server.appkeys", "server.auth", "server.store",
                                  "server.security", "server.csvsafe"},
    # the composition roots wire everything
    "server.app": {"*"}, "server.cli": {"*"},
    "server.doctor": BASE | {"server.service", "server.store", "server.config"},
    # the device agents' hub client (kiosk/agent.py, display/speaker.py): speaks the protocol only
    "server.hubclient": set(),
    # administration: the stored configuration, its endpoints, files and backups
    "server.admin": BASE | {"server.actions", "server.appkeys", "server.config", "server.config_schema",
                            "server.config_cli", "server.csvsafe", "server.security", "server.store",
                            "server.service", "server.clock"},
}
ALLOWED_MODULES: dict[tuple[str, str], str] = {
    ("server.hub", "server.api.endpoints"): "the endpoint table is the one source of command names and roles",
    ("server.hub", "server.api.fields"): "a command's body over the socket is checked by the table's fields",
    ("server.api", "server.stats.figures"): "the table documents the statistics' groupings (an enum)",
    ("server.citylink", "server.api.endpoints"): "its own endpoint table is made of the same Endpoint rows",
    ("server.citylink", "server.api.router"): "the Handler type of its table's hand-written rows",
    ("server.api", "server.supervision.http"): "docs/api.md lists every table the app serves",
    ("server.stats", "server.supervision.demo_month"): "the demo history includes a month of follow-up",
    ("server.supervision", "server.api.endpoints"): "its own endpoint table is made of the same Endpoint rows",
    ("server.supervision", "server.api.fields"): "its bodies are checked by the same field rules",
    ("server.supervision", "server.api.router"): "the path ids the router parsed (IDS)",
    ("server.supervision", "server.stats.http"): "reports read through the statistics' own reader thread",
    ("server.admin", "server.api.endpoints"): "its own endpoint table is made of the same Endpoint rows",
    ("server.admin", "server.api.fields"): "its rows' bodies are checked by the table's fields",
    ("server.api", "server.admin"): "docs/api.md is generated from every endpoint table, the administration's too",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    base = ROOT / Path(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(path: Path) -> set[str]:
    """Every server module this file imports, anywhere in the file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("server")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("server"):
                found |= {f"{target}.{a.name}" if is_module(f"{target}.{a.name}") else target for a in node.names}
    return found - {name, "server"}


def area(module: str) -> str:
    return ".".join(module.split(".")[:2])


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in SERVER.rglob("*.py")}


def test_every_import_follows_the_allowed_directions():
    wrong = []
    for module, targets in sorted(graph().items()):
        here = area(module)
        allowed = ALLOWED.get(here)
        assert allowed is not None, f"{here} is a new area: add its allowed directions to ALLOWED"
        for target in sorted(targets):
            there = area(target)
            if there == here or "*" in allowed or there in allowed or (here, target) in ALLOWED_MODULES:
                continue
            wrong.append(f"{module} imports {target} ({here} may not depend on {there})")
    assert not wrong, "\n".join(wrong)


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """A cycle in the graph, as the list of its nodes, or None (iterative depth-first search)."""
    state: dict[str, int] = {}
    for start in sorted(edges):
        if state.get(start):
            continue
        path, stack = [start], [iter(sorted(edges.get(start, ())))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(edges.get(nxt, ()))))
    return None


def test_no_cycle_between_modules():
    assert _cycle(graph()) is None, " -> ".join(_cycle(graph()) or [])


def test_no_cycle_between_areas():
    """Between areas, the single-module exceptions above do not count: each reads one module of the
    other area (a table, an enum); the module-level test above still sees any cycle through them."""
    areas: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph().items():
        here = area(module)
        areas[here] |= {area(t) for t in targets if area(t) != here and (here, t) not in ALLOWED_MODULES}
    assert _cycle(areas) is None, " -> ".join(_cycle(areas) or [])


def test_migrations_are_frozen_text():
    """An applied migration never changes: server/store/schema.py imports nothing of the server."""
    assert imports_of(SERVER / "store" / "schema.py") == set()


def test_the_checker_sees_a_forbidden_direction_and_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
    assert "server.store" not in ALLOWED["server.domain"] and "server.views" not in ALLOWED["server.service"]
    assert "server.api" not in ALLOWED["server.hub"] and "server.hub" not in ALLOWED["server.api"]
