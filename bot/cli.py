"""The `partnerbot` command: run, db upgrade, --version."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot import __version__
from bot.config import Settings, SettingsError, load_settings


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
    return parser


def _settings(*, require_token: bool) -> Settings:
    """Settings, or a one-line error and exit code 2."""
    try:
        return load_settings(require_token=require_token)
    except SettingsError as exc:
        print(f"partnerbot: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `partnerbot` command."""
    args = _parser().parse_args(argv)
    if args.command == "db":
        from bot.migrate import upgrade_database

        settings = _settings(require_token=False)
        asyncio.run(upgrade_database(settings.database_url))
        print("partnerbot: database is up to date")
        return 0
    settings = _settings(require_token=True)
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from bot.app import run_bot

    if args.webhook:
        from bot.webhook import WebhookSettingsError, webhook_path

        try:
            webhook_path(settings)
        except WebhookSettingsError as exc:
            print(f"partnerbot: error: {exc}", file=sys.stderr)
            return 2
    asyncio.run(run_bot(settings, webhook=args.webhook))
    return 0


if __name__ == "__main__":
    sys.exit(main())
