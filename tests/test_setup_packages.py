"""scripts/setup installs what the code runs: every program the server, the agents, the benchmarks and the
tests start (found by reading their calls with `ast`) comes from a Debian package that scripts/setup
installs, or from the bare system README starts from. README names every package scripts/setup
installs. (The real check, a bare Debian 12 chroot, needs root and network: scripts/check-bare-debian.)"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE_DIRS = ("server", "kiosk", "display", "counter", "manager", "city", "bench", "tests")

# The program each external command comes from. A new program the code starts needs a row here and,
# unless the bare system has it, its package in scripts/setup's DEBIAN_PACKAGES.
PROGRAM_PACKAGES = {
    "espeak-ng": "espeak-ng",
    "sox": "sox",
    "aplay": "alsa-utils",
    "chromium": "chromium",
    "initdb": "postgresql",
    "pg_ctl": "postgresql",
    "openssl": "openssl",
    "chattr": "e2fsprogs",
    "mount": "mount",
    "umount": "mount",
    "runuser": "util-linux",
    "git": "git",
}
# What README starts from (a bare Debian 12 with these) plus Debian's essential packages.
BARE_SYSTEM = {"python3", "python3-venv", "git", "ca-certificates", "util-linux"}
SUBPROCESS_CALLS = {"run", "Popen", "check_output", "check_call", "call", "create_subprocess_exec"}
# Helpers that take the program as their first argument and start it.
PROGRAM_WRAPPERS = {"tests/faults.py": "_run", "city/pgtemp.py": "_run"}


def setup_packages() -> list[str]:
    """DEBIAN_PACKAGES as scripts/setup builds it (`=(...)` and every `+=(...)`)."""
    text = (ROOT / "scripts" / "setup").read_text(encoding="utf-8")
    groups = re.findall(r"^DEBIAN_PACKAGES\+?=\(([^)]*)\)", text, flags=re.MULTILINE)
    assert groups, "scripts/setup no longer declares DEBIAN_PACKAGES"
    return [pkg for group in groups for pkg in group.split()]


def _starts_a_program(node: ast.Call, wrapper: str | None) -> bool:
    """shutil.which(...), subprocess.run(...) and friends, asyncio.create_subprocess_exec(...), or the
    file's own wrapper (`_run(...)`, `self._run(...)`)."""
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        module, name = func.value.id, func.attr
        if (module, name) == ("shutil", "which") or (module in ("subprocess", "asyncio") and name in SUBPROCESS_CALLS):
            return True
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    return wrapper is not None and name == wrapper


def _program_of(node: ast.Call, wrapper: str | None) -> str | None:
    """The program a call starts: shutil.which("x"), run(["x", ...]), create_subprocess_exec("x", ...)."""
    if not node.args or not _starts_a_program(node, wrapper):
        return None
    first = node.args[0]
    if isinstance(first, ast.List) and first.elts:
        first = first.elts[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return Path(first.value).name
    return None


def programs_started() -> dict[str, str]:
    """Each program name → the first file that starts it."""
    found: dict[str, str] = {}
    for folder in CODE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                program = _program_of(node, PROGRAM_WRAPPERS.get(relative)) if isinstance(node, ast.Call) else None
                if program:
                    found.setdefault(program, relative)
    return found


def test_the_scan_finds_the_programs_it_should():
    """Guards the scan itself: these calls exist today, so finding none would mean the scan is broken."""
    found = programs_started()
    assert {"espeak-ng", "sox", "aplay", "openssl", "chattr", "mount", "initdb"} <= set(found), found


def test_every_program_the_code_starts_has_a_known_package():
    unknown = {program: where for program, where in programs_started().items() if program not in PROGRAM_PACKAGES}
    assert not unknown, f"programs started with no row in PROGRAM_PACKAGES (add one, and to scripts/setup): {unknown}"


def test_scripts_setup_installs_every_package_the_programs_come_from():
    installed = set(setup_packages()) | BARE_SYSTEM
    missing = sorted({pkg for pkg in PROGRAM_PACKAGES.values() if pkg not in installed})
    assert not missing, f"scripts/setup does not install {missing}"


def test_playwright_driver_library_and_fonts_are_installed():
    """Not programs, but a bare system lacks them: Playwright's bundled driver (node) needs libatomic.so.1,
    and without the CJK fonts every page screenshot shows boxes for hanzi."""
    assert {"libatomic1", "fonts-noto-cjk", "libespeak-ng1"} <= set(setup_packages())


def test_readme_names_every_package_scripts_setup_installs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    unnamed = [pkg for pkg in setup_packages() if not re.search(rf"(?<![\w-]){re.escape(pkg)}(?![\w-])", readme)]
    assert not unnamed, f"README's set-up section does not name {unnamed}"
