"""How the packages under app/ may import each other.

A blueprint's routes are its own: no other module imports them, except the package that
defines the blueprint and app/__init__.py, which registers it. What blueprints share lives
in modules of its own (app/lookups.py, app/csv_export.py, app/auth/accounts.py).
"""
from __future__ import annotations

import ast
from pathlib import Path

from app.config import PROJECT_ROOT

APP = PROJECT_ROOT / "app"


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module the file imports, at the top or inside a function (`from a import b` counts a.b too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def routes_imports() -> dict[str, set[str]]:
    """For each module under app/, the blueprint routes modules it imports."""
    imports = {}
    for path in sorted(APP.rglob("*.py")):
        routes = {name for name in imported_modules(path) if name.startswith("app.") and name.endswith(".routes")}
        if routes:
            imports[module_name(path)] = routes
    return imports


def may_import(importer: str, routes: str) -> bool:
    """The app factory registers every blueprint; a blueprint's package loads its own routes."""
    return importer == "app" or importer == routes.removesuffix(".routes")


def test_no_module_imports_another_blueprint_s_routes():
    wrong = {importer: sorted(r for r in routes if not may_import(importer, r))
             for importer, routes in routes_imports().items()}
    assert {importer: routes for importer, routes in wrong.items() if routes} == {}


def test_the_scan_sees_the_blueprints_being_registered():
    """The check above would pass on a scan that found nothing; this one would not."""
    imports = routes_imports()
    assert "app.quiz.routes" in imports["app"]
    for blueprint in ("auth", "learning", "review", "instructor", "seminar"):
        assert imports[f"app.{blueprint}"] == {f"app.{blueprint}.routes"}
