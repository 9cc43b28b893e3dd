"""kill -9 the real `partnerbot run` during a stream of group messages, edits and /log commands.

Afterwards every message is stored once, every edit applied, and every /log recorded once:
the fact that an update was handled is committed with its effects, so Telegram's redelivery
of what was not confirmed changes nothing; and every /log is answered: an answer a kill kept
back is sent when its update comes again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlmodel import select

from bot.db import Database
from bot.models import EntryKind, LogEntry
from bot.services import partnerships
from tests.fakebot import FakeBotApi
from tests.fakebot import updates as tg

ROOT = Path(__file__).resolve().parent.parent
GROUPS = [tg.supergroup(-100_777_000_110 - i, f"Awaria {i}") for i in range(5)]
COORD = tg.user(7001, "Anna", language_code="pl")
MEMBERS = [tg.user(7002 + i, name, language_code="pl") for i, name in enumerate(["Jan", "Ola", "Piotr"])]
KILLS = 4
PER_ROUND = 60  # group messages per round; every 6th is a /log, every 10th is followed by an edit


def _start(fake: FakeBotApi, db_url: str, cwd: Path) -> subprocess.Popen[str]:
    """The real command, as a user starts it."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))},
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "DATABASE_URL": db_url,
        "POLLING_TIMEOUT": "1",
        "SCHEDULER_INTERVAL": "0",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _round(number: int) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """A round of updates, the plain texts it logs and the contacts it records."""
    updates: list[dict[str, Any]] = []
    texts: list[str] = []
    contacts: list[str] = []
    for i in range(PER_ROUND):
        group = GROUPS[i % len(GROUPS)]  # two /log a round per group: within a quiet group's burst
        if i % 6 == 5:
            what = f"kontakt {number}-{i}"
            updates.append(tg.message(group, COORD, f"/log telefon {what}"))
            contacts.append(what)
            continue
        text = f"wiadomość {number}-{i}"
        original = tg.message(group, MEMBERS[i % len(MEMBERS)], text)
        updates.append(original)
        if i % 10 == 0:
            text += " (poprawione)"
            updates.append(tg.edited_message(original, text))
        texts.append(text)
    return updates, texts, contacts


async def test_kill_minus_nine_during_a_stream_loses_nothing_and_doubles_nothing(
    database: Database, db_url: str, tmp_path: Path
) -> None:
    async with database.transaction() as session:
        for group in GROUPS:
            await partnerships.register(
                session,
                chat_id=group["id"],
                name=f"Partnerstwo {group['title']}",
                coordinator_user_id=COORD["id"],
                coordinator_name="Anna",
                timezone="Europe/Warsaw",
            )
    expected_texts: list[str] = []
    expected_contacts: list[str] = []
    with FakeBotApi() as fake:
        for number in range(KILLS):
            process = _start(fake, db_url, tmp_path)
            updates, texts, contacts = _round(number)
            expected_texts += texts
            expected_contacts += contacts
            sent_before = len(fake.calls("sendMessage"))
            fake.push_updates(updates)
            # Kill it in the middle of the stream: once a few /log answers went out.
            await fake.await_for("sendMessage", count=sent_before + 3 + number, timeout=30)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        last = _start(fake, db_url, tmp_path)
        try:
            marker = fake.push_update(tg.message(GROUPS[0], MEMBERS[0], "koniec"))
            expected_texts.append("koniec")
            await fake.await_confirmed(marker, timeout=60)
        finally:
            last.send_signal(signal.SIGTERM)
            _out, err = last.communicate(timeout=30)
        assert last.returncode == 0, err
        confirmations = [t for t in fake.sent_texts(plain=True) if "kontakt" in t]
    async with database.transaction() as session:
        entries = list(await session.exec(select(LogEntry)))
    messages = [e.text or "" for e in entries if e.kind == EntryKind.MESSAGE]
    plain = sorted(t for t in messages if not t.startswith("/"))
    assert plain == sorted(expected_texts)  # every message once, edits applied
    assert sorted(t for t in messages if t.startswith("/log")) == sorted(
        f"/log telefon {c}" for c in expected_contacts
    )
    recorded = sorted(e.text or "" for e in entries if e.kind == EntryKind.CONTACT)
    assert recorded == sorted(expected_contacts)  # every /log recorded exactly once
    # Every /log answered: an answer kept back by a kill goes out when the update comes again
    # (bot.answers). One repeats only if a kill came after Telegram took it and before that was
    # recorded: at most one answer per chat and kill.
    answered = [sum(f"„{contact}”" in t for t in confirmations) for contact in expected_contacts]
    print("confirmations per /log:", answered)
    assert min(answered) >= 1
    assert sum(answered) - len(answered) <= KILLS * len(GROUPS)
