"""The wheel is complete: built, installed into a fresh venv, it migrates and speaks Polish."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run a command, failing the test with its output when it fails."""
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False, **kwargs)  # type: ignore[call-overload]
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result  # type: ignore[no-any-return]


def _clean_env(**extra: str) -> dict[str, str]:
    """An environment without the developer's settings or a PYTHONPATH into the source tree."""
    skip = ("TELEGRAM_", "DATABASE_", "PYTHONPATH", "VIRTUAL_ENV")
    return {**{k: v for k, v in os.environ.items() if not k.startswith(skip)}, **extra}


def test_wheel_installs_migrates_and_speaks_polish(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        cwd=tmp_path,
    )
    [wheel] = list(dist.glob("partnerbot-*.whl"))

    target = tmp_path / "venv"
    venv.create(target, with_pip=False)
    python = target / "bin" / "python"
    fresh_site = Path(
        _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    )
    # The package itself comes from the wheel; its dependencies from the test's own venv,
    # appended after it (the index may be unreachable in CI).
    (fresh_site / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(fresh_site), str(wheel)],
        cwd=tmp_path,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = _clean_env(DATABASE_URL=f"sqlite+aiosqlite:///{work / 'fresh.db'}")

    located = _run([str(python), "-c", "import bot; print(bot.__file__)"], cwd=work, env=env).stdout
    assert located.strip().startswith(str(fresh_site)), located

    upgraded = _run([str(python), "-m", "bot", "db", "upgrade"], cwd=work, env=env)
    assert "up to date" in upgraded.stdout
    with sqlite3.connect(work / "fresh.db") as conn:
        tables = {row[0] for row in conn.execute("select name from sqlite_master where type='table'")}
    assert {"partnership", "log_entry", "alembic_version"} <= tables

    source, expected = _a_polish_translation()
    polish = _run(
        [
            str(python),
            "-c",
            "import os; from bot.i18n import translations as t; print(t('pl').gettext(os.environ['MSG']))",
        ],
        cwd=work,
        env={**env, "MSG": source},
    ).stdout.strip()
    assert polish == expected


def _a_polish_translation() -> tuple[str, str]:
    """A message of the source tree's Polish catalog whose translation differs from the English."""
    from babel.messages.pofile import read_po

    with (ROOT / "bot" / "locales" / "pl" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="pl")
    for message in catalog:
        text, source = message.string, message.id
        if isinstance(source, str) and source and "\n" not in source and text and text != source:
            return source, str(text)
    raise AssertionError("the Polish catalog has no translated message")
