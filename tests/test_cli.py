"""The `partnerbot` command: settings errors, version, database upgrade."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user would, without inheriting a developer's .env."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("token", "says"),
    [("", "TELEGRAM_BOT_TOKEN is not set"), ("hello", "TELEGRAM_BOT_TOKEN is malformed")],
)
def test_missing_or_bad_token_is_one_line_and_exit_2(tmp_path: Path, token: str, says: str) -> None:
    result = _run(["run"], {"TELEGRAM_BOT_TOKEN": token, "PYTHONPATH": str(ROOT)}, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0]
    assert "Traceback" not in result.stderr


def test_version(tmp_path: Path) -> None:
    result = _run(["--version"], {"PYTHONPATH": str(ROOT)}, tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("partnerbot ")


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    result = _run(["db", "upgrade"], {"DATABASE_URL": url, "PYTHONPATH": str(ROOT)}, tmp_path)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        tables = {row[0] for row in conn.execute("select name from sqlite_master where type='table'")}
    assert {"partnership", "log_entry", "person", "alembic_version"} <= tables


def test_settings_validation_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="TIMEZONE"):
        load_settings(require_token=False, timezone="Mars/Olympus")
    with pytest.raises(SettingsError, match="DEFAULT_LOCALE"):
        load_settings(require_token=False, default_locale="de")
    settings = load_settings(
        telegram_bot_token="123456:" + "a" * 35, telegram_api_base_url="http://127.0.0.1:9/bot/"
    )
    assert settings.api_base_url == "http://127.0.0.1:9/bot"
    assert settings.api_base_file_url == "http://127.0.0.1:9/file/bot"


def test_partnerbot_run_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    """The real command against the fake Bot API server: migrate, poll, answer, stop cleanly."""
    import signal

    from tests.fakebot import FakeBotApi
    from tests.fakebot import updates as tg

    with FakeBotApi() as fake:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))},
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
            "POLLING_TIMEOUT": "1",
            "PYTHONPATH": str(ROOT),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            anna = tg.user(5001, "Anna", language_code="pl")
            update_id = fake.push_update(tg.message(tg.private_chat(anna), anna, "/start"))
            fake.wait_until_confirmed(update_id, timeout=30)
            assert fake.sent_texts(5001)[-1].startswith("Dzień dobry!")
            assert fake.calls("setMyCommands")
        finally:
            process.send_signal(signal.SIGTERM)
            _out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        fake.assert_clean()
