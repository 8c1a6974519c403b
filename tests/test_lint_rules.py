"""The lint and type gate keeps its own rules honest: the rule set is documented, every suppression
names what it silences and says why, and scripts/test runs the gate before the tests.

Comments are read with `tokenize`, so a string that merely contains the words is not a comment."""
from __future__ import annotations

import io
import re
import subprocess
import tokenize
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the suppression comment with its codes, then the reason after a dash or in parentheses
NOQA = re.compile(r"#\s*noqa\b(?P<codes>:\s*[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)?(?P<why>.*)$")
TYPE_IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*\])?(?P<after>.*)$")


def python_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / line for line in out.splitlines() if (ROOT / line).is_file()]


def comments(path: Path) -> list[tuple[int, str]]:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    return [(tok.start[0], tok.string) for tok in tokens if tok.type == tokenize.COMMENT]


def test_every_ruff_rule_is_documented_in_contributing():
    select = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["lint"]["select"]
    guide = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    missing = [code for code in select if not re.search(rf"\b{code}\b", guide)]
    assert select and not missing, f"rules selected in pyproject.toml but not explained in CONTRIBUTING.md: {missing}"


def test_every_noqa_names_its_rule_and_says_why():
    bad = []
    for path in python_files():
        for line, text in comments(path):
            m = NOQA.search(text)
            if m and (not m.group("codes") or len(m.group("why").strip(" -()")) < 3):
                bad.append(f"{path.relative_to(ROOT)}:{line}: {text}")
    assert not bad, "a noqa must name its rule and say why on the same line:\n" + "\n".join(bad)


def test_every_type_ignore_names_its_code_and_says_why():
    bad = []
    for path in python_files():
        found = comments(path)
        comment_lines = {line for line, _ in found}
        for line, text in found:
            m = TYPE_IGNORE.search(text)
            if m is None:
                continue
            says_why = "#" in m.group("after") or line - 1 in comment_lines  # after it, or the line above
            if not m.group("codes") or not says_why:
                bad.append(f"{path.relative_to(ROOT)}:{line}: {text}")
    assert not bad, "a type: ignore must name its error code and say why:\n" + "\n".join(bad)


def test_the_checks_above_see_a_bad_suppression():
    """The patterns catch what they are for (a check that cannot fail proves nothing)."""
    assert NOQA.search("# noqa") and not NOQA.search("# noqa").group("codes")
    assert NOQA.search("# noqa: E501").group("why").strip(" -()") == ""
    assert NOQA.search("# noqa: BLE001 - the hall must go on").group("why").strip(" -()")
    assert TYPE_IGNORE.search("# type: ignore").group("codes") is None
    assert TYPE_IGNORE.search("# type: ignore[misc]  # why").group("codes") == "[misc]"


def test_scripts_test_runs_the_gate_before_the_tests():
    steps = [line.strip() for line in (ROOT / "scripts" / "test").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    lint = next(i for i, step in enumerate(steps) if "scripts/lint" in step)
    tests = next(i for i, step in enumerate(steps) if "-m pytest" in step)
    assert lint < tests and "exit 1" in " ".join(steps[lint:tests]), "scripts/test must stop on a lint finding"
