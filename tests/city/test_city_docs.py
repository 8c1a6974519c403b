"""docs/city.md describes every route of the city dashboard and every error code the link reports;
the codes the city app raises are registered."""
from __future__ import annotations

import re
from pathlib import Path

from city.http import ROUTES
from server.citylink.http import CITYLINK_ENDPOINTS
from server.domain.errors import ERROR_CODES

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "city.md").read_text(encoding="utf-8")


def test_every_dashboard_route_is_documented():
    for route in ROUTES:
        assert f"| {route.method} | `{route.path}` |" in DOC, route.path
    for ep in CITYLINK_ENDPOINTS:
        assert f"`{ep.method} {ep.path}`" in DOC, ep.path


def test_every_link_error_code_is_documented():
    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "server" / "citylink").glob("*.py"))
    codes = set(re.findall(r'LinkStopped\("([a-z_]+)"', source)) | set(re.findall(r'error_code="([a-z_]+)"', source))
    assert codes >= {"seq_gap", "history_diverged", "unknown_hall", "city_unreachable"}
    missing = [c for c in sorted(codes) if f"| `{c}` |" not in DOC]
    assert not missing, missing


def test_city_error_codes_are_registered():
    used = set()
    for path in (ROOT / "city").rglob("*.py"):
        used |= set(re.findall(r'DomainError\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert used and used <= set(ERROR_CODES)
