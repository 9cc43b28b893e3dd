"""The command menus Telegram shows, per scope and language."""

from __future__ import annotations

from bot.i18n import N_

GROUP_COMMANDS: list[tuple[str, str]] = [
    ("status", N_("Partnership activity this week and month")),
    ("history", N_("Latest entries of the communication log")),
    ("log", N_("Record a contact outside the chat (coordinator)")),
    ("setup", N_("Register this group as a partnership (administrators)")),
    ("privacy", N_("What the bot records and why")),
    ("language", N_("Choose your language")),
    ("help", N_("What the bot can do")),
]

PRIVATE_COMMANDS: list[tuple[str, str]] = [
    ("start", N_("Start and see what the bot can do")),
    ("status", N_("Your partnership's activity")),
    ("history", N_("Your partnership's communication log")),
    ("log", N_("Record a contact: /log phone ...")),
    ("use", N_("Choose which partnership commands are about")),
    ("language", N_("Choose your language")),
    ("privacy", N_("What the bot records and why")),
    ("help", N_("What the bot can do")),
]
