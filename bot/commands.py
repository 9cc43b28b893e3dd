"""The command menus Telegram shows, per scope and language."""

from __future__ import annotations

from bot.i18n import N_

GROUP_COMMANDS: list[tuple[str, str]] = [
    ("status", N_("Partnership activity this week and month")),
    ("history", N_("Latest entries of the communication log")),
    ("plan", N_("Training plan and progress")),
    ("chart", N_("Chart: trained against targets")),
    ("partners", N_("Partner organisations and their people")),
    ("resources", N_("What partners contribute")),
    ("partner", N_("One partner's card: /partner name")),
    ("join", N_("Ask to represent your organisation")),
    ("log", N_("Record a contact outside the chat (coordinator)")),
    ("addpartner", N_("Add a partner or candidate (coordinator)")),
    ("invite", N_("Invitation link for a partner (coordinator)")),
    ("checkin", N_("Ask the partners a check-in question now (coordinator)")),
    ("cancel", N_("Stop a form without saving")),
    ("setup", N_("Register this group as a partnership (administrators)")),
    ("privacy", N_("What the bot records and why")),
    ("language", N_("Choose your language")),
    ("help", N_("What the bot can do")),
]

PRIVATE_COMMANDS: list[tuple[str, str]] = [
    ("start", N_("Start and see what the bot can do")),
    ("status", N_("Your partnership's activity")),
    ("history", N_("Your partnership's communication log")),
    ("partners", N_("Partner organisations and their people")),
    ("resources", N_("What partners contribute")),
    ("log", N_("Record a contact: /log phone ...")),
    ("addpartner", N_("Add a partner or candidate (coordinator)")),
    ("partnerstatus", N_("Change a partner's status (coordinator)")),
    ("resource", N_("Record a partner's resource (coordinator)")),
    ("invite", N_("Invitation link for a partner (coordinator)")),
    ("brief", N_("Hand-over brief (coordinator)")),
    ("session", N_("Add a training session (coordinator)")),
    ("trained", N_("Record a session's outcome (coordinator)")),
    ("export", N_("Export everything as XLSX and CSV")),
    ("schedule", N_("Check-in schedules (coordinator)")),
    ("task", N_("A task for a partner (coordinator)")),
    ("meeting", N_("A partnership meeting (coordinator)")),
    ("nudge", N_("Preview and send recruitment nudges (coordinator)")),
    ("pausereminders", N_("No reminders until a date")),
    ("cancel", N_("Stop a form without saving")),
    ("use", N_("Choose which partnership commands are about")),
    ("language", N_("Choose your language")),
    ("privacy", N_("What the bot records and why")),
    ("help", N_("What the bot can do")),
]
