"""The `partnerbot` command: run, db upgrade, --version."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot import __version__
from bot.config import Settings, SettingsError, load_settings
from bot.startup import ExitCode, StartupError, configure_logging, explain, mask_secrets, migrate_or_explain


def _parser() -> argparse.ArgumentParser:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(prog="partnerbot", description=__doc__)
    parser.add_argument("--version", action="version", version=f"partnerbot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="apply migrations and start long polling (or a webhook)")
    run.add_argument(
        "--webhook", action="store_true", help="receive updates at WEBHOOK_URL instead of long polling"
    )
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply Alembic migrations up to the newest")
    box = sub.add_parser("sandbox", help="try the bot in a browser: a local Telegram, no token needed")
    box.add_argument("--host", default="127.0.0.1")
    box.add_argument("--port", type=int, default=8080)
    box.add_argument("--demo", action="store_true", help="preload a partnership (Czarne)")
    box.add_argument("--lang", choices=("pl", "en"), default="pl")
    box.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host")
    box.add_argument("--db", default="sandbox.db", help="its own SQLite file, made afresh at start")
    return parser


def _settings(*, require_token: bool) -> Settings:
    """Settings, or a one-line error and exit code 2."""
    try:
        return load_settings(require_token=require_token)
    except SettingsError as exc:
        print(f"partnerbot: error: {exc}", file=sys.stderr)
        raise SystemExit(int(ExitCode.SETTINGS)) from None


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `partnerbot` command."""
    args = _parser().parse_args(argv)
    if args.command == "sandbox":
        from sandbox.cli import sandbox_command

        return sandbox_command(args)
    if args.command == "db":
        settings = _settings(require_token=False)
        try:
            asyncio.run(migrate_or_explain(settings.database_url))
        except StartupError as problem:
            print(f"partnerbot: error: {problem}", file=sys.stderr)
            return int(problem.code)
        print("partnerbot: database is up to date")
        return 0
    settings = _settings(require_token=True)
    configure_logging(settings.log_level, settings.telegram_bot_token)
    from bot.app import run_bot

    if args.webhook:
        from bot.webhook import WebhookSettingsError, webhook_path

        try:
            webhook_path(settings)
        except WebhookSettingsError as exc:
            print(f"partnerbot: error: {exc}", file=sys.stderr)
            return int(ExitCode.SETTINGS)
    try:
        asyncio.run(run_bot(settings, webhook=args.webhook))
    except Exception as exc:
        known = explain(exc, settings.database_url)
        if known is None:
            raise
        print(f"partnerbot: error: {mask_secrets(str(known), settings.telegram_bot_token)}", file=sys.stderr)
        return int(known.code)
    return int(ExitCode.OK)


if __name__ == "__main__":
    sys.exit(main())
