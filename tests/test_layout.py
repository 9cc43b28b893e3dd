"""The scheduler's room: no Telegram and no SQL in scheduler/, presenters free of both and of the
queue, and no module or function longer than the developer guide allows."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODULE_LINES_MAX = 500
FUNCTION_LINES_MAX = 60


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Every module a file imports (absolute names)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def _is_under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


@pytest.mark.parametrize("path", _modules("scheduler"), ids=lambda p: str(p.relative_to(ROOT)))
def test_scheduler_knows_neither_telegram_nor_sql(path: Path) -> None:
    imports = _imports(path)
    if path.name != "jobs.py":  # the job is installed in python-telegram-bot's job queue
        assert not any(_is_under(name, "telegram") for name in imports)
    assert not any(_is_under(name, "sqlmodel") for name in imports)
    assert all(name == "sqlalchemy.exc" for name in imports if _is_under(name, "sqlalchemy"))


@pytest.mark.parametrize("path", _modules("bot/presenters"), ids=lambda p: str(p.relative_to(ROOT)))
def test_presenters_know_neither_telegram_nor_the_database_nor_the_queue(path: Path) -> None:
    for name in _imports(path):
        assert not any(
            _is_under(name, banned)
            for banned in (
                "telegram",
                "sqlmodel",
                "sqlalchemy",
                "bot.db",
                "bot.services.scheduling",
                "scheduler",
            )
        ), name


@pytest.mark.parametrize(
    "path",
    [
        *_modules("scheduler"),
        *_modules("bot/presenters"),
        ROOT / "bot/services/deliveries.py",
        ROOT / "bot/services/exporting.py",
    ],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_modules_and_functions_are_short(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MODULE_LINES_MAX
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            assert length <= FUNCTION_LINES_MAX, f"{node.name}: {length} lines"
