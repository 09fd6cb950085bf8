"""SQL only through SQLAlchemy parameters: no SQL string is built from run-time values.

Walks the application packages' syntax trees for raw-SQL calls (`text(...)`,
`exec_driver_sql(...)`, `.execute(<string>)`) whose SQL is an f-string, a `%`/`.format()`
or a concatenation. Each such place is listed below after review: what it interpolates is
a constant or a name the program generated itself, never input; values go in as bound
parameters. A new one fails this test until it is reviewed and added.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("actions", "analytics", "bot", "handoff", "integrations", "store", "web")
RAW_SQL_CALLS = {"text", "exec_driver_sql", "execute"}

REVIEWED = {
    # Constant action/slot names and a per-dialect JSON expression; times are :lo/:hi.
    ("analytics/source.py", "_event_query"),
    # The same per-dialect JSON expression for a message's text; the ids are bound.
    ("analytics/source.py", "message_texts"),
    ("analytics/source.py", "transcript"),
    # Benchmark databases named from the process id.
    ("tools/benchmarks/report.py", "_bench_postgres"),
    # Benchmark databases named from a fixed prefix.
    ("tools/benchmarks/stacks.py", "_postgres_databases"),
    ("tools/benchmarks/stacks.py", "_drop_databases"),
    # Constant INSERT text plus one constant "(%s, ...)" group per event; every value bound.
    ("bot/tracker_store.py", "_write_turn"),
    ("bot/tracker_store.py", "_publish"),
}


def _is_built_string(node: ast.AST) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return True
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    )


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def built_sql(path: Path, *, root: Path = ROOT) -> list[tuple[str, str, int]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Call)
                and _call_name(node) in RAW_SQL_CALLS
                and node.args
                and _is_built_string(node.args[0])
            ):
                relative = path.relative_to(root).as_posix()
                found.append((relative, function.name, node.lineno))
    return found


def test_no_sql_is_built_from_values_outside_the_reviewed_places() -> None:
    found = [
        hit
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for hit in built_sql(path)
    ]
    unreviewed = sorted({hit for hit in found if (hit[0], hit[1]) not in REVIEWED})
    assert unreviewed == [], f"review these raw SQL strings: {unreviewed}"


def test_the_audit_finds_a_built_sql_string(tmp_path: Path) -> None:
    # The check itself must see what it is looking for, and pass what is parameterised.
    module = tmp_path / "sample.py"
    module.write_text(
        "def bad(conn, name):\n"
        "    conn.execute(text(f'SELECT * FROM t WHERE n = {name}'))\n"
        "def worse(conn, name):\n"
        "    conn.exec_driver_sql('DELETE FROM t WHERE n = ' + name)\n"
        "def good(conn, name):\n"
        "    conn.execute(text('SELECT * FROM t WHERE n = :n'), {'n': name})\n"
    )
    assert built_sql(module, root=tmp_path) == [("sample.py", "bad", 2), ("sample.py", "worse", 4)]
