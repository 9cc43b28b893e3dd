"""Every message in the code is translated in every catalog, with real Polish plurals."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.catalog import SOURCE_DIRS, extract_messages, untranslated
from bot.config import SUPPORTED_LOCALES
from bot.i18n import translations

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_has_every_message(locale: str) -> None:
    template = extract_messages()
    assert len(template) > 50
    missing = untranslated(locale, template)
    assert not missing, f"{locale} catalog lacks {len(missing)} messages: {missing[:10]}"


def test_polish_plural_forms() -> None:
    pl = translations("pl")
    forms = {n: pl.ngettext("{n} message", "{n} messages", n).format(n=n) for n in (1, 2, 5, 22, 25, 112)}
    assert forms == {
        1: "1 wiadomość",
        2: "2 wiadomości",
        5: "5 wiadomości",
        22: "22 wiadomości",
        25: "25 wiadomości",
        112: "112 wiadomości",
    }
    contacts = {
        n: pl.ngettext("{n} recorded contact", "{n} recorded contacts", n).format(n=n)
        for n in (1, 3, 5, 21, 24)
    }
    assert contacts == {
        1: "1 zapisany kontakt",
        3: "3 zapisane kontakty",
        5: "5 zapisanych kontaktów",
        21: "21 zapisanych kontaktów",
        24: "24 zapisane kontakty",
    }


def test_translations_keep_placeholders() -> None:
    template = extract_messages()
    pl = translations("pl")
    for message in template:
        if not message.id or not isinstance(message.id, str):
            continue
        translated = pl.gettext(message.id)
        for placeholder in ("{name}", "{coordinator}", "{n}", "{when}", "{word}", "{people}"):
            assert (placeholder in message.id) == (placeholder in translated), message.id


def _gettext_calls_with_fstrings(path: Path) -> list[int]:
    """Lines where _() or ngettext() is given an f-string (gettext cannot extract it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in {"_", "N_", "ngettext", "gettext"} and any(
                isinstance(arg, ast.JoinedStr) for arg in node.args
            ):
                bad.append(node.lineno)
    return bad


def test_no_fstrings_inside_gettext() -> None:
    offenders = {
        str(path.relative_to(ROOT)): lines
        for folder in SOURCE_DIRS
        for path in (ROOT / folder).rglob("*.py")
        if (lines := _gettext_calls_with_fstrings(path))
    }
    assert not offenders
