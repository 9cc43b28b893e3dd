"""Presenters are plain functions: data and a language in, text and buttons out."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot import flows
from bot.config import SUPPORTED_LOCALES
from bot.export import Table, TableKey, Vocabulary, Word
from bot.i18n import translations
from bot.models import CheckinRound, DeliveryKind, TargetGroup
from bot.notifier import Button
from bot.presenters import checkin, export, missed
from bot.services import missed as missed_service
from bot.services import nudges
from bot.text import fold


def test_checkin_question_has_one_button_per_answer_in_the_language() -> None:
    round_ = CheckinRound(
        id=7,
        partnership_id=1,
        question="Czy <plakaty> wiszą?",
        opened_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        closes_at=datetime(2026, 3, 4, 9, tzinfo=UTC),
    )
    message = checkin.question(translations("pl"), "pl", round_=round_, zone=ZoneInfo("Europe/Warsaw"))
    assert "Czy &lt;plakaty&gt; wiszą?" in message.text
    assert message.buttons == [
        [
            Button("✅ Zrobione", "ci:7:done"),
            Button("⏳ W toku", "ci:7:progress"),
            Button("🆘 Potrzebna pomoc", "ci:7:help"),
        ]
    ]


def test_missed_note_names_every_kind_the_service_reports() -> None:
    assert list(missed.LABELS) == list(missed_service.TOLD_KINDS)
    counts = Counter({DeliveryKind.CHECKIN.value: 2, DeliveryKind.DIGEST.value: 1})
    text = missed.missed_note(translations("en"), partnership_name="A & B", counts=counts).text
    assert "3 scheduled messages of “A &amp; B”" in text
    assert text.splitlines()[1:] == ["• check-in questions: 2", "• weekly digests: 1"]


def test_export_words_and_headers_come_from_the_presenter() -> None:
    group = TargetGroup(id=1, partnership_id=1, key="seniors")
    table = Table(
        TableKey.LOG,
        rows=[[None, "message", "Ola", "", "", "tekst"]],
        omitted=5,
    )
    partners = Table(
        TableKey.PARTNERS,
        rows=[
            [
                "Biblioteka",
                Word("library", Vocabulary.PARTNER_KIND),
                Word("joined", Vocabulary.PARTNER_STATUS),
                Word("", Vocabulary.JOIN_FORM),
                "",
                "",
                "",
                "",
                "",
            ]
        ],
    )
    plan = Table(TableKey.PLAN, rows=[["Rok", None, None, group, 10, 2]])
    tr = translations("pl")
    sheets = export.present([partners, plan, table], _=tr.gettext, group_label=lambda g: f"<{g.key}>")
    assert [s.name for s in sheets] == ["Partnerzy", "Plan", "Dziennik"]
    assert sheets[0].rows[0][1:4] == ["biblioteka", "przystąpił", ""]
    assert sheets[1].rows[0][3] == "<seniors>"
    assert sheets[2].headers[4:] == ["Kanał", "Treść (pominięte starsze wpisy: 5)"]


def test_nudge_matching_uses_stable_words_that_cover_every_language() -> None:
    # The stable words include each built-in group's name in every language the bot speaks,
    # so matching by them finds every partner the catalog-based matching found.
    for key, label in flows.TARGET_GROUP_LABELS.items():
        words = {fold(w) for w in nudges.GROUP_WORDS[key]}
        for code in SUPPORTED_LOCALES:
            assert fold(translations(code).gettext(label)) in words, (key, code)
