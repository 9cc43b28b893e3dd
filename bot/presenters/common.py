"""What every presenter shares: the message it returns, mentions and target group names."""

from __future__ import annotations

from dataclasses import dataclass

from babel.support import NullTranslations

from bot import flows
from bot.models import TargetGroup
from bot.notifier import Keyboard

Translations = NullTranslations


@dataclass(frozen=True)
class Message:
    """A message to send: HTML text and its inline buttons (none by default)."""

    text: str
    buttons: Keyboard = ()


def group_name(tr: Translations, group: TargetGroup) -> str:
    """A target group's name in a catalog's language."""
    label = flows.TARGET_GROUP_LABELS.get(group.key)
    return tr.gettext(label) if label else group.name
