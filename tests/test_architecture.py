"""The rooms keep their shape: no import cycle between any two modules of pipeline/ and ui/, and
no SQL written in ui/ or pages/.

Function-level imports count too: a cycle hidden in a function body is still a cycle (the
session proof's model and HTML page once imported each other that way). The direction between
rooms is checked by the import-linter contracts in pyproject.toml (`make lint`).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("pipeline", "ui")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for top in PACKAGES for p in (ROOT / top).rglob("*.py")}


def imported_modules(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `path` imports anywhere in its body (`from a import b` counts as
    importing a.b when b is a module, else a)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                if submodule in modules:
                    found.add(submodule)
                elif node.module in modules:
                    found.add(node.module)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imported_modules(path, modules) - {name} for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None (iterative DFS)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in sorted(graph):
        if state.get(start):
            continue
        path = [start]
        stack = [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            child = next(stack[-1], None)
            if child is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(child) == 1:
                return path[path.index(child) :] + [child]
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append(iter(sorted(graph.get(child, ()))))
    return None


def test_no_module_of_pipeline_or_ui_is_part_of_an_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle_through_a_function_level_import(tmp_path: Path) -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from pipeline.cli import main\n")
    assert imported_modules(module, project_modules()) == {"pipeline.cli"}


SQL_WORDS = re.compile(
    r"\b(SELECT|WHERE|ORDER BY|GROUP BY|INSERT INTO|UPDATE|DELETE FROM|JOIN)\b|^TRUE$"
)


def sql_strings(path: Path) -> list[str]:
    """The string literals of a module that read as SQL (keywords are upper case in our SQL)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:60]!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and SQL_WORDS.search(node.value)
    ]


def test_no_sql_is_written_in_ui_or_pages() -> None:
    found = [
        hit
        for folder in ("ui", "pages")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for hit in sql_strings(path)
    ]
    assert found == [], "SQL belongs in pipeline/:\n" + "\n".join(found)


def test_the_sql_finder_sees_a_where_clause_and_the_true_sentinel() -> None:
    module = ROOT / "tests" / "_probe_sql.py"
    module.write_text('w = "WHERE status = ?"\nt = "TRUE"\nlabel = "Select a session"\n')
    try:
        assert [hit.split(": ", 1)[1] for hit in sql_strings(module)] == [
            "'WHERE status = ?'",
            "'TRUE'",
        ]
    finally:
        module.unlink()
