"""The house as its imports draw it (docs: README "Layout"): services never import each other, shared imports no
service and services see it only through its public face, rules are pure, routers run no SQL, and inside a service a feature imports only features below it in the
order declared here. Read with ``ast`` from the source, so it runs in a second; each check is shown failing on a
planted violation below.

Known debt is listed, not hidden: ``UPWARD_DEBT`` and ``SQL_IN_ROUTERS`` name the places that break a rule today
(issue "The house"); a new one fails the test, and an entry that no longer applies fails it too, so the lists only
shrink.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = {
    "contributions": "services/contributions/src/contributions",
    "claims": "services/claims/src/claims",
    "layoff_reporting": "services/layoff-reporting/src/layoff_reporting",
    "fund_monitor": "services/fund-monitor/src/fund_monitor",
}
SHARED = "shared/src/insurance_shared"
# what services import shared through (httpx's small public face); the modules behind it may change
SHARED_FACE = {
    "insurance_shared",
    "insurance_shared.events",
    "insurance_shared.contracts",
    "insurance_shared.testing",
    "insurance_shared.uploads",
}

# bottom to top; a feature may import those before it (and the service's models, settings and rules)
ORDER = {
    "contributions": [
        "units",
        "parameters",
        "ledger",
        "persons",
        "declarations",
        "payments",
        "flexible",
        "remittances",
        "coverage",
        "totals",
    ],
    "claims": ["history", "separations", "claims", "subsidies", "payments", "reemployment", "appeals", "totals"],
    "layoff_reporting": ["workforce", "filings", "rehire", "incentives"],
    "fund_monitor": [
        "access",
        "csv_response",
        "ledger",
        "reemployment",
        "monitoring",
        "funds",
        "alerts",
        "shortfall",
        "reconciliation",
        "dashboard",
        "consumers",
    ],
}
# modules every feature may use (models' Base, internal messages, settings, rules), or the top
BASE = {"models", "messages", "settings", "rules", "main", "__main__", "__init__"}

UPWARD_DEBT: set[tuple[str, str, str]] = set()  # (service, module, imported feature): none left; keep it that way
SQL_IN_ROUTERS: set[str] = set()  # routers that still run statements themselves (none left; keep it that way)
SQL_CALLS = {"execute", "scalars", "scalar", "scalar_one", "stream", "get"}
STDLIB = sys.stdlib_module_names


@dataclass(frozen=True)
class Import:
    module: str  # absolute dotted name
    line: int


def imports(path: Path, package: str) -> list[Import]:
    """Every import in a module (top level or inside functions), relative ones made absolute."""
    tree = ast.parse(path.read_text("utf-8"))
    here = package.split(".")
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [Import(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                if node.module:
                    out.append(Import(".".join([*base, node.module]), node.lineno))
                else:
                    out += [Import(".".join([*base, a.name]), node.lineno) for a in node.names]
            elif node.module:
                out.append(Import(node.module, node.lineno))
    return out


def module_package(src: Path, path: Path, top: str) -> str:
    """The dotted package a module sits in (for resolving its relative imports)."""
    parts = [top, *path.relative_to(src).parts[:-1]]
    return ".".join(parts)


def runs_sql(path: Path) -> list[int]:
    """Lines where a router calls a session's statement methods (``session.execute(...)``, ``w.session.get``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS:
            target = node.func.value
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            if name == "session":
                found.append(node.lineno)
    return found


def violations(root: Path) -> list[str]:
    out: list[str] = []
    services = {name: root / path for name, path in SERVICES.items() if (root / path).exists()}
    # shared imports no service
    shared = root / SHARED
    for f in sorted(shared.rglob("*.py")) if shared.exists() else []:
        for imp in imports(f, module_package(shared, f, "insurance_shared")):
            if imp.module.split(".")[0] in SERVICES:
                out.append(f"shared imports a service: {f.relative_to(root)}:{imp.line} {imp.module}")
    upward_seen: set[tuple[str, str, str]] = set()
    sql_seen: set[str] = set()
    for name, src in services.items():
        order = ORDER.get(name, [])
        for f in sorted(src.rglob("*.py")):
            rel = f.relative_to(src)
            if rel.parts[0] == "migrations":
                continue
            feature = rel.parts[0] if len(rel.parts) > 1 else rel.stem
            for imp in imports(f, module_package(src, f, name)):
                top = imp.module.split(".")[0]
                where = f"{name}/{rel.as_posix()}:{imp.line}"
                if top in SERVICES and top != name:
                    out.append(f"a service imports another: {where} {imp.module}")
                if top == "insurance_shared" and imp.module not in SHARED_FACE:
                    out.append(f"a service reaches behind shared's public face: {where} {imp.module}")
                if (
                    feature == "rules"
                    and top not in STDLIB
                    and top != "insurance_shared"
                    and imp.module.split(".")[:2] != [name, "rules"]
                ):
                    out.append(f"rules/ must be pure (stdlib and insurance_shared only): {where} {imp.module}")
                if top == name and len(imp.module.split(".")) > 1:
                    target = imp.module.split(".")[1]
                    if target in BASE or target == feature or feature in BASE - {"rules"}:
                        continue
                    if feature == "rules":
                        continue
                    if target in order and (feature not in order or order.index(target) > order.index(feature)):
                        key = (name, rel.as_posix(), target)
                        if key in UPWARD_DEBT:
                            upward_seen.add(key)
                        else:
                            out.append(f"a feature imports one above it ({feature} < {target}): {where} {imp.module}")
            if rel.name == "router.py" and (lines := runs_sql(f)):
                key = f"{name}/{rel.as_posix()}"
                if key in SQL_IN_ROUTERS:
                    sql_seen.add(key)
                else:
                    out.append(f"a router runs SQL (ask the feature's repository): {key}:{lines[0]}")
    if services.keys() == SERVICES.keys():  # the real tree: listed debt that no longer applies must go
        out += [
            f"listed upward import no longer there, remove it from UPWARD_DEBT: {k}" for k in UPWARD_DEBT - upward_seen
        ]
        out += [f"router no longer runs SQL, remove it from SQL_IN_ROUTERS: {k}" for k in SQL_IN_ROUTERS - sql_seen]
    return out


def test_the_house_keeps_its_shape() -> None:
    assert violations(ROOT) == []


def _plant(tmp: Path, path: str, text: str) -> None:
    f = tmp / path
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(text, "utf-8")


def test_each_check_fails_on_a_planted_violation(tmp_path: Path) -> None:
    src = "services/claims/src/claims"
    _plant(tmp_path, f"{src}/claims/service.py", "from contributions.units import models\n")
    _plant(tmp_path, f"{src}/rules/eligibility.py", "import sqlalchemy\nfrom ..claims import service\n")
    _plant(tmp_path, f"{src}/history/models.py", "def f():\n    from ..payments import service  # lazy, still upward\n")
    _plant(tmp_path, f"{SHARED}/app.py", "import fund_monitor.main\n")
    _plant(tmp_path, f"{src}/payments/service.py", "from insurance_shared.db import utcnow\n")
    found = "\n".join(violations(tmp_path))
    assert "a service imports another: claims/claims/service.py:1 contributions.units" in found
    assert "rules/ must be pure (stdlib and insurance_shared only): claims/rules/eligibility.py:1 sqlalchemy" in found
    assert (
        "rules/ must be pure (stdlib and insurance_shared only): claims/rules/eligibility.py:2 claims.claims" in found
    )
    assert "a feature imports one above it (history < payments): claims/history/models.py:2" in found
    assert "shared imports a service: shared/src/insurance_shared/app.py:1 fund_monitor.main" in found
    assert "a service reaches behind shared's public face: claims/payments/service.py:1 insurance_shared.db" in found
    _plant(tmp_path, f"{src}/totals/router.py", "async def r(w):\n    await w.session.scalars('x')\n")
    assert "a router runs SQL (ask the feature's repository): claims/totals/router.py:2" in "\n".join(
        violations(tmp_path)
    )
