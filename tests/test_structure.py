"""The house rules' checker finds what it is meant to find, and the product keeps the rules."""

from __future__ import annotations

from pathlib import Path

from tools.check_structure import ROOT, check


def _write(root: Path, relative: str, text: str) -> None:
    """A module of a throwaway product tree."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_checker_finds_big_modules_long_functions_and_cycles(tmp_path: Path) -> None:
    _write(tmp_path, "bot/__init__.py", "")
    _write(tmp_path, "bot/big.py", "x = 1\n" * 12)
    _write(tmp_path, "bot/long.py", "def f() -> None:\n" + "    pass\n" * 6)
    _write(tmp_path, "handlers/__init__.py", "")
    _write(tmp_path, "handlers/a.py", "from handlers import b\n")
    _write(tmp_path, "handlers/b.py", "def later() -> None:\n    from handlers.a import thing\n")
    type_only = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import bot.big\n"
    _write(tmp_path, "scheduler/__init__.py", type_only)
    problems = [str(p) for p in check(tmp_path, max_module=10, max_function=5)]
    assert "bot/big.py: module has 12 lines (limit 10)" in problems
    assert "bot/long.py:1: f() has 7 lines (limit 5)" in problems
    assert "import cycle: handlers.a <-> handlers.b" in problems  # an import inside a function counts
    assert len(problems) == 3  # a TYPE_CHECKING import is no cycle and no problem


def test_checker_passes_a_tidy_tree(tmp_path: Path) -> None:
    _write(tmp_path, "bot/__init__.py", "")
    _write(tmp_path, "bot/a.py", "from bot import b\n")
    _write(tmp_path, "bot/b.py", "def f() -> int:\n    return 1\n")
    assert check(tmp_path, max_module=10, max_function=5) == []


def test_the_product_keeps_the_house_rules() -> None:
    assert [str(p) for p in check(ROOT, max_module=500, max_function=60)] == []
