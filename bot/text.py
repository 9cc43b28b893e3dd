"""Text helpers shared by services: folding for comparison, and 'did you mean'."""

from __future__ import annotations

import difflib
import re
import unicodedata


def fold(text: str) -> str:
    """Lower-case, strip diacritics and collapse spaces: 'Ośrodek ' matches 'osrodek'."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return re.sub(r"\s+", " ", plain).strip()


def suggestions(query: str, names: list[str], *, limit: int = 3) -> list[str]:
    """Names close to the query (by folded spelling, or containing it)."""
    wanted = fold(query)
    by_key = {fold(name): name for name in names}
    close = difflib.get_close_matches(wanted, list(by_key), n=limit, cutoff=0.5)
    containing = [key for key in by_key if wanted and wanted in key and key not in close]
    return [by_key[key] for key in (close + containing)[:limit]]
