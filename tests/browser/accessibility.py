"""axe-core, the maintained accessibility engine (shipped inside the axe-playwright-python package,
never fetched at run time), run in the page under test."""
from __future__ import annotations

from axe_playwright_python.async_playwright import Axe

BLOCKING = ("serious", "critical")


async def blocking_violations(page) -> list[str]:
    """Every serious or critical axe violation on the page, as 'rule: target' lines."""
    results = await Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            found += [f"{violation['id']}: {node['target']}" for node in violation["nodes"]]
    return found
