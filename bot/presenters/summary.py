"""The closing of a check-in round: the coordinator's private summary, or a request in the group
to open a private chat when the coordinator cannot be written to."""

from __future__ import annotations

from bot.erased import FORMER_MEMBER
from bot.i18n import N_
from bot.markup import html, join, mention
from bot.models import Partnership
from bot.presenters.common import Message, Translations
from bot.services.checkins import ReportLine, RoundReport

ANSWER_WORDS = {
    "done": N_("done"),
    "progress": N_("in progress"),
    "help": N_("needs help"),
    "none": N_("no answer"),
}


def _who(tr: Translations, line: ReportLine) -> str:
    """A person's name with the organisation they speak for (HTML); an erased person as a marker."""
    name = line.name or tr.gettext(FORMER_MEMBER)
    if line.organisation:
        return html("{name} ({organisation})", name=name, organisation=line.organisation)
    return name


def _answer_lines(tr: Translations, report: RoundReport) -> list[str]:
    """One line per answer, 🆘 first-marked, with the comment if any."""
    lines: list[str] = []
    for a in report.answered:
        line = html(
            "{mark} {who}: {answer}",
            mark="🆘" if a.answer == "help" else "•",
            who=_who(tr, a),
            answer=tr.gettext(ANSWER_WORDS[a.answer]),
        )
        if a.text:
            line += html(" — {text}", text=a.text)
        lines.append(line)
    return lines


def _people_lines(tr: Translations, report: RoundReport) -> list[str]:
    """Who needs follow-up, who was on leave, who was silent."""
    lines: list[str] = []
    if report.need_help:
        lines += [
            "",
            html(
                tr.gettext("🆘 Needs your follow-up: {people}"),
                people=join(", ", (_who(tr, a) for a in report.need_help)),
            ),
        ]
    if report.on_leave:
        lines.append(
            html(
                tr.gettext("On leave (reminders paused): {people}"),
                people=join(", ", (_who(tr, a) for a in report.on_leave)),
            )
        )
    if report.silent:
        lines.append(
            html(
                tr.gettext("Did not answer: {people}"),
                people=join(", ", (_who(tr, a) for a in report.silent)),
            )
        )
    return lines


def round_summary_text(tr: Translations, partnership: Partnership, report: RoundReport) -> str:
    """The coordinator's private summary of a closed check-in round."""
    lines = [
        html(tr.gettext("<b>Check-in closed: {name}</b>"), name=partnership.name),
        html(tr.gettext("“{question}”"), question=report.round.question),
        "",
        *_answer_lines(tr, report),
        *_people_lines(tr, report),
    ]
    if not report.answered and not report.on_leave and not report.silent:
        lines.append(tr.gettext("Nobody was expected to answer: the partnership has no representatives yet."))
    else:
        lines.append(tr.gettext("Answers that come after the close are sent to you as they arrive."))
    return join("\n", lines)


def summary(tr: Translations, partnership: Partnership, report: RoundReport) -> Message:
    """The summary as a message."""
    return Message(round_summary_text(tr, partnership, report))


def open_private_chat(tr: Translations, partnership: Partnership) -> Message:
    """In the group, the coordinator (and nobody else) is asked to open a private chat."""
    return Message(
        html(
            tr.gettext(
                "{coordinator}, I cannot write to you privately, so I could not send you the "
                "check-in summary (who answered what). Open a private chat with me and press Start; "
                "the next summaries will come to you there."
            ),
            coordinator=mention(partnership.coordinator_user_id, partnership.coordinator_name),
        )
    )
