"""Fail when product code outgrows the house rules: module size, function size, import cycles.

Run by `make lint` (and so by CI): `python tools/check_structure.py [--max-module N] [--max-function N]`.
Product code is the packages `bot`, `handlers`, `scheduler` and `sandbox`; tests and benchmarks are
not held to these limits.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "scheduler", "sandbox")
SKIPPED_PARTS = {"migrations"}  # generated-style revision files follow Alembic's layout


@dataclass(frozen=True)
class Problem:
    """One broken rule, as a line a person can act on."""

    where: str
    what: str

    def __str__(self) -> str:
        """'path:line: what is wrong'."""
        return f"{self.where}: {self.what}"


def product_modules(root: Path) -> dict[str, Path]:
    """Every product module by its dotted name."""
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            if SKIPPED_PARTS & set(relative.parts):
                continue
            parts = list(relative.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Every function and method in a module, nested ones included."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def size_problems(
    root: Path, path: Path, tree: ast.AST, *, max_module: int, max_function: int
) -> list[Problem]:
    """Modules and functions over their line limits."""
    shown = path.relative_to(root)
    problems = []
    lines = len(path.read_text(encoding="utf-8").splitlines())
    if lines > max_module:
        problems.append(Problem(str(shown), f"module has {lines} lines (limit {max_module})"))
    for function in functions(tree):
        start = min([function.lineno, *(d.lineno for d in function.decorator_list)])
        length = (function.end_lineno or function.lineno) - start + 1
        if length > max_function:
            what = f"{function.name}() has {length} lines (limit {max_function})"
            problems.append(Problem(f"{shown}:{function.lineno}", what))
    return problems


def _is_type_checking(node: ast.If) -> bool:
    """`if TYPE_CHECKING:` blocks import for the type checker only, never at run time."""
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports that run, anywhere in the module (inside functions too: they only defer a cycle)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _submodule_or_package(base: str, name: str, known: set[str]) -> str:
    """`from base import name` imports the module base.name if there is one, else base itself."""
    return f"{base}.{name}" if f"{base}.{name}" in known else base


def imported_modules(name: str, is_package: bool, tree: ast.AST, known: set[str]) -> set[str]:
    """The product modules a module imports."""
    found: set[str] = set()
    for node in _runtime_imports(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [_submodule_or_package(base, alias.name, known) for alias in node.names]
        found.update(target for target in targets if target in known and target != name)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each a cycle of imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def check(root: Path, *, max_module: int, max_function: int) -> list[Problem]:
    """Every broken rule in the product code under root."""
    modules = product_modules(root)
    known = set(modules)
    problems: list[Problem] = []
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        problems += size_problems(root, path, tree, max_module=max_module, max_function=max_function)
        graph[name] = imported_modules(name, path.name == "__init__.py", tree, known)
    for group in cycles(graph):
        problems.append(Problem("import cycle", " <-> ".join(group)))
    return problems


def main(argv: list[str] | None = None) -> int:
    """Print every problem; exit 1 if there is any."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-module", type=int, default=500)
    parser.add_argument("--max-function", type=int, default=60)
    args = parser.parse_args(argv)
    problems = check(ROOT, max_module=args.max_module, max_function=args.max_function)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} structure problem(s)", file=sys.stderr)
        return 1
    limits = f"no module over {args.max_module} lines, no function over {args.max_function}"
    print(f"structure: {limits}, no import cycle")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
