"""The handoff service never imports analytics: analytics reads the handoff tables, and the
inbox's KPI pages run `python -m analytics` instead, so the dependency runs one way."""

from __future__ import annotations

import ast
from pathlib import Path

from common.paths import ROOT


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_no_module_of_handoff_imports_analytics() -> None:
    sources = sorted((ROOT / "handoff").rglob("*.py"))
    assert len(sources) > 10  # the package is where this test looks
    offending = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path) if m == "analytics" or m.startswith("analytics.")
        )
        for path in sources
    }
    assert {path: found for path, found in offending.items() if found} == {}
