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


def _start_bot(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    """`partnerbot run` in the background, its output captured."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


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
        process = _start_bot(env, tmp_path)
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


def _serve_env(fake_base_url: str, token: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a `partnerbot run` against a local Bot API URL."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))},
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_BASE_URL": fake_base_url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        "POLLING_TIMEOUT": "1",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def _run_to_the_end(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`partnerbot run` until it exits by itself."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _errors(stderr: str) -> list[str]:
    """The lines of stderr that report the end of the bot."""
    return [line for line in stderr.splitlines() if line.startswith("partnerbot: error:")]


def test_rejected_token_is_one_line_exit_3_without_the_token(tmp_path: Path) -> None:
    from tests.fakebot import FakeBotApi

    wrong = "999999:" + "W" * 35
    with FakeBotApi() as fake:
        env = _serve_env(fake.base_url, wrong, tmp_path, LOG_LEVEL="DEBUG")
        result = _run_to_the_end(env, tmp_path)
    assert result.returncode == 3, result.stderr
    assert _errors(result.stderr) == [
        "partnerbot: error: Telegram rejected the token: check TELEGRAM_BOT_TOKEN (ask @BotFather for /token)"
    ]
    assert "Traceback" not in result.stderr
    assert wrong not in result.stderr + result.stdout
    assert wrong.split(":")[1] not in result.stderr + result.stdout


def test_conflict_is_one_line_exit_4(tmp_path: Path) -> None:
    from tests.fakebot import FakeBotApi
    from tests.fakebot.server import CONFLICT

    with FakeBotApi() as fake:
        fake.fail_next("getUpdates", error_code=409, description=CONFLICT)
        env = _serve_env(fake.base_url, fake.token, tmp_path)
        result = _run_to_the_end(env, tmp_path)
    assert result.returncode == 4, result.stderr
    [line] = _errors(result.stderr)
    assert "another instance is polling this token" in line
    assert "Traceback" not in result.stderr
    assert fake.token not in result.stderr


def test_unreachable_telegram_is_retried_and_said_then_stops_cleanly(tmp_path: Path) -> None:
    import signal
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    token = "123456:" + "T" * 35
    env = _serve_env(f"http://127.0.0.1:{closed_port}/bot", token, tmp_path, LOG_LEVEL="DEBUG")
    process = _start_bot(env, tmp_path)
    assert process.stderr is not None
    seen: list[str] = []
    try:
        for line in process.stderr:
            seen.append(line)
            if sum("cannot reach Telegram" in s for s in seen) >= 2:
                break
    finally:
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)[1], None
    output = "".join(seen) + (rest or "")
    retries = [line for line in output.splitlines() if "cannot reach Telegram" in line]
    assert len(retries) >= 2
    assert "retrying in 1 s" in retries[0] and "retrying in 2 s" in retries[1]
    assert process.returncode == 0, output
    assert "Traceback" not in output
    assert token not in output and token.split(":")[1] not in output


def test_database_unreachable_is_one_line_exit_5(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://postgres:secret@127.0.0.1:9/none"
    result = _run(["db", "upgrade"], {"DATABASE_URL": url, "PYTHONPATH": str(ROOT)}, tmp_path)
    assert result.returncode == 5, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("partnerbot: error: cannot use the database postgresql+asyncpg://postgres:***@")
    assert "secret" not in result.stderr


def test_log_lines_never_carry_the_token() -> None:
    import logging

    from bot.startup import MaskingFormatter, mask_secrets

    token = "123456:" + "x" * 35
    formatter = MaskingFormatter("%(message)s", token)
    record = logging.LogRecord("t", logging.DEBUG, __file__, 1, "POST http://h/bot%s/getMe", (token,), None)
    assert formatter.format(record) == "POST http://h/bot<token>/getMe"
    assert mask_secrets("https://api.telegram.org/bot7654321:" + "A" * 35 + "/sendMessage") == (
        "https://api.telegram.org/bot<token>/sendMessage"
    )


def test_a_missing_catalog_is_an_error_at_start_not_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import i18n
    from bot.startup import ExitCode, explain

    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        with pytest.raises(i18n.CatalogMissing) as caught:
            i18n.check_catalogs()
    finally:
        monkeypatch.undo()
        i18n.translations.cache_clear()
    problem = explain(caught.value, "sqlite+aiosqlite:///x.db")
    assert problem is not None and problem.code is ExitCode.INSTALLATION
    assert "catalog is missing" in str(problem)
