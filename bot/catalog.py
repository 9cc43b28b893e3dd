"""Keeping the gettext catalogs in step with the code: `python -m bot.catalog`."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.config import SUPPORTED_LOCALES
from bot.i18n import DOMAIN, LOCALES_DIR

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("bot", "handlers", "scheduler")
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def extract_messages() -> Catalog:
    """Every translatable message in the source, as a template catalog."""
    template = Catalog(project="partnerbot", domain=DOMAIN)
    for folder in SOURCE_DIRS:
        found = extract_from_dir(
            ROOT / folder,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",),
        )
        for filename, lineno, message, comments, context in found:
            template.add(
                message, None, [(f"{folder}/{filename}", lineno)], auto_comments=comments, context=context
            )
    return template


def po_path(locale: str) -> Path:
    """Where a locale's catalog lives."""
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def load(locale: str) -> Catalog:
    """Read a locale's catalog."""
    with po_path(locale).open("rb") as handle:
        return read_po(handle, locale=locale)


def untranslated(locale: str, template: Catalog | None = None) -> list[str]:
    """Messages in the code that the locale's catalog lacks or leaves empty or fuzzy."""
    template = template or extract_messages()
    catalog = load(locale)
    missing = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id)
        strings = found.string if found else None
        values = strings if isinstance(strings, tuple | list) else (strings,)
        if found is None or found.fuzzy or not all(values):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def update_catalogs() -> None:
    """Rewrite the template and merge it into every locale (English copies the source)."""
    template = extract_messages()
    with (LOCALES_DIR / f"{DOMAIN}.pot").open("wb") as handle:
        write_po(handle, template, width=100, omit_header=False)
    for locale in SUPPORTED_LOCALES:
        path = po_path(locale)
        catalog = load(locale) if path.exists() else Catalog(locale=locale, domain=DOMAIN)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.project, catalog.version, catalog.fuzzy = "partnerbot", "0.1", False
        if locale == "en":
            for message in catalog:
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if message.id and not all(strings):
                    message.string = message.id if isinstance(message.id, str) else tuple(message.id)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, ignore_obsolete=True)


if __name__ == "__main__":
    update_catalogs()
    for code in SUPPORTED_LOCALES:
        gaps = untranslated(code)
        print(f"{code}: {len(gaps)} untranslated")
    sys.exit(0)
