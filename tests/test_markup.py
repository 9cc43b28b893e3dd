"""bot.markup: values are escaped unless already markup; handlers and presenters build HTML only so."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.markup import Markup, bold, code, esc, html, html_map, join, link, mention, plain

ROOT = Path(__file__).resolve().parent.parent
HTML_BUILDERS = sorted([*ROOT.glob("handlers/*.py"), *ROOT.glob("bot/presenters/*.py")])
HOSTILE = "<b>&\"'"


def test_values_are_escaped_and_quotes_kept() -> None:
    text = html("<b>{name}</b> asks: {text}", name=HOSTILE, text="a < b")
    assert text == "<b>&lt;b&gt;&amp;\"'</b> asks: a &lt; b"
    assert isinstance(text, Markup)


def test_markup_values_are_kept_not_escaped_twice() -> None:
    inner = html("{name} ({organisation})", name="Ola & Ala", organisation=bold("OSP"))
    assert html("Who: {who}", who=inner) == "Who: Ola &amp; Ala (<b>OSP</b>)"
    assert html("{n} of {m}", n=3, m=4.5) == "3 of 4.5"


def test_join_and_concatenation_escape_plain_parts() -> None:
    assert join(", ", ["a&b", bold("c")]) == "a&amp;b, <b>c</b>"
    assert bold("x") + " <y>" == "<b>x</b> &lt;y&gt;"
    assert "<y> " + bold("x") == "&lt;y&gt; <b>x</b>"
    assert join("\n", []) == ""


def test_helpers() -> None:
    assert mention(7, HOSTILE) == '<a href="tg://user?id=7">&lt;b&gt;&amp;"\'</a>'
    assert (
        link('https://x.org/?a=1&b="2"', "<go>")
        == '<a href="https://x.org/?a=1&amp;b=&quot;2&quot;">&lt;go&gt;</a>'
    )
    assert code("*/5 * * * *") == "<code>*/5 * * * *</code>"
    assert esc(HOSTILE) == "&lt;b&gt;&amp;\"'" and esc(esc(HOSTILE)) == esc(HOSTILE)
    assert html_map("{a}-{b}", {"a": "<", "b": bold("b")}) == "&lt;-<b>b</b>"
    assert plain("Delete “{name}”", name="A & B") == "Delete “A & B”"


def _problems(source: str, name: str) -> list[str]:
    """Ways around the formatter in one module: escaping by hand, str.format, str.join, f-strings."""
    found = []
    for node in ast.walk(ast.parse(source)):
        where = f"{name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import) and any(alias.name == "html" for alias in node.names):
            found.append(f"{where}: import html (use bot.markup)")
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "esc":
                found.append(f"{where}: esc() by hand (pass the value to bot.markup.html)")
            if isinstance(func, ast.Attribute) and func.attr in ("format", "format_map", "escape"):
                found.append(f"{where}: .{func.attr}() (use bot.markup.html, or plain for non-HTML)")
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "join"
                and isinstance(func.value, ast.Constant)
            ):
                found.append(f"{where}: str.join (use bot.markup.join)")
        if isinstance(node, ast.JoinedStr):
            literal = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
            if "<" in literal or "&" in literal:
                found.append(f"{where}: HTML in an f-string (use bot.markup.html)")
    return found


def test_handlers_and_presenters_build_html_only_with_the_formatter() -> None:
    assert len(HTML_BUILDERS) > 20
    problems = [
        problem
        for path in HTML_BUILDERS
        for problem in _problems(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert problems == []


def test_the_static_check_sees_each_way_around() -> None:
    sample = "import html\na = esc(x)\nb = _('{n}').format(n=x)\nc = ', '.join(xs)\nd = f'<b>{x}</b>'\n"
    assert len(_problems(sample, "sample")) == 5
    assert _problems("e = html(_('{n}'), n=x)\nf = join(', ', xs)\n", "sample") == []
