"""The repository speaks only of the product: every document README names exists, and no file points
at a machine path or at files outside the repository."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Built from parts so this file does not match itself.
OUTSIDE = [re.compile(p) for p in (r"/" + "work/", r"\.\./" + "shared", r"\b" + "DOMAIN" + r"\.md",
                                   r"\b" + "STACK" + r"\.md", r"\b" + "STYLE" + r"\.md", r"HELPERS" + r"\.md")]
BINARY = {".wav", ".png", ".jpg", ".ico", ".gz", ".db"}


def tracked_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / line for line in out.splitlines() if Path(line).suffix not in BINARY]


def test_every_document_readme_names_exists():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:docs/)?[A-Za-z_-]+\.md)`", readme))
    assert "docs/architecture.md" in named and "docs/domain.md" in named
    missing = sorted(n for n in named if not (ROOT / n).is_file())
    assert not missing, f"README names documents that do not exist: {missing}"


def test_no_file_points_outside_the_repository():
    found = []
    for path in tracked_files():
        if not path.is_file():
            continue  # deleted in the working tree, not yet committed
        text = path.read_text(encoding="utf-8", errors="replace")
        for pattern in OUTSIDE:
            for m in pattern.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {m.group(0)}")
    assert not found, "files point outside the repository:\n" + "\n".join(found)
