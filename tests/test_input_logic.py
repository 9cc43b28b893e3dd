"""Odd input in the pure parts: ids, counts, dates, cron, form steps, HTML splitting, export, .ics."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from bot import clock, flows
from bot.dates import DateFormatError, DateOutOfRange, NoSuchDay, parse_date, parse_moment
from bot.export import Sheet, csv_archive, workbook
from bot.flows import FLOWS, FlowInputError, type_in
from bot.ics import meeting_ics
from bot.text import parse_count, parse_id, split_html, visible_text, without_controls

TODAY = date(2027, 3, 10)


@pytest.fixture(autouse=True)
def fixed_clock():
    """The bot's clock at a fixed moment."""
    with clock.using(clock.ManualClock(datetime(2027, 3, 10, 9, 0, tzinfo=UTC))) as installed:
        yield installed


# --------------------------------------------------------------------------- ids and numbers (items 3, 6)


@pytest.mark.parametrize(
    "text", ["²", "٣", "１２", "-1", "0", "99999999999999999999", "9223372036854775808", ""]
)
def test_ids_are_ascii_digits_within_64_bits(text: str) -> None:
    assert parse_id(text) is None


def test_a_plain_id_parses() -> None:
    assert parse_id("9223372036854775807") == 2**63 - 1
    assert parse_id("42") == 42


@pytest.mark.parametrize("text", ["²", "seniorzy", "1" * 4000, "100001", "1.5", "-3"])
def test_counts_are_bounded_ascii_numbers(text: str) -> None:
    assert parse_count(text, maximum=100_000) is None


def test_visible_text_drops_controls_and_zero_width() -> None:
    assert visible_text("\u200b\u200d\x07\u2060") == ""
    assert visible_text(" Partnerstwo\u200b  Czarne\x0b ") == "Partnerstwo Czarne"
    assert without_controls("a\x00b\x0bc\nd\te") == "abc\nd\te"


# --------------------------------------------------------------------------- dates (items 2, 7)


def test_leap_day_without_a_year_is_the_next_one() -> None:
    assert parse_date("29 lutego", today=TODAY) == date(2028, 2, 29)
    assert parse_date("29 lutego", today=date(2028, 2, 1)) == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("31.02.2026", NoSuchDay),
        ("31 lutego 2026", NoSuchDay),
        ("31.12.9999", DateOutOfRange),
        ("1.01.0001", DateOutOfRange),
        ("0001-01-01", DateOutOfRange),
        ("1.1.123", DateFormatError),
        ("٣.٣.٢٠٢٧", DateFormatError),
        ("5" * 5000, DateFormatError),
    ],
)
def test_impossible_or_extreme_dates_are_refused_with_a_kind(text: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_date(text, today=TODAY)


def test_a_moment_in_year_9999_is_refused() -> None:
    from zoneinfo import ZoneInfo

    with pytest.raises(DateOutOfRange):
        parse_moment("31.12.9999 23:59", zone=ZoneInfo("Europe/Warsaw"), today=TODAY)


# ------------------------------------------------- form steps (items 4, 5, 6, 7; issue 12)


def _data(**extra: object) -> dict:
    return {"_today": TODAY.isoformat(), "_zone": "Europe/Warsaw", "_date_example": "17.03.2027", **extra}


def _refusal(flow: str, data: dict, text: str) -> str:
    with pytest.raises(FlowInputError) as caught:
        type_in(FLOWS[flow], data, text)
    values = flows.Hints(data)
    values.update({k: str(v) for k, v in caught.value.details.items()})
    return caught.value.message.format_map(values)


def test_long_answers_are_refused_with_the_limit() -> None:
    data = _data(partner="1", kind="room")
    assert "at most 1000 characters (you typed 1001)" in _refusal("resource", data, "&" * 1001)
    assert "at most 120 characters" in _refusal("session", _data(when="2027-03-12T10:00:00+01:00"), "x" * 121)


@pytest.mark.parametrize("cron", ["0 9 * * 8", "0 9 * * ٣", "0 9 ² * *", "0 9 * *", "x" * 65, "0 9 30 2 *"])
def test_bad_or_never_firing_cron_is_refused_at_its_step(cron: str) -> None:
    text = _refusal("schedule", _data(recurrence="cron"), cron)
    assert "cron" in text
    if cron == "0 9 30 2 *":
        assert "never fires" in text
    if len(cron) > 64:
        assert "at most 64 characters" in text


def test_a_good_cron_passes() -> None:
    assert type_in(FLOWS["schedule"], _data(recurrence="cron"), " 0  9 * * 1 ")["cron"] == "0 9 * * 1"


def test_month_day_and_counts_refuse_unicode_digits() -> None:
    assert "1 to 31" in _refusal("schedule", _data(recurrence="monthly"), "²")
    trained = _data(
        session="5",
        registered=10,
        _group_names=[[1, "seniorzy"], [2, "rodzice"]],
        _session_groups={"5": 1},
    )
    assert "name and a number" in _refusal("trained", trained, "seniorzy ²")
    assert "from 0 to 100000" in _refusal("trained", _data(session="5"), "1" * 4000)


def test_extreme_dates_in_forms_say_why() -> None:
    assert "Dates from 2000 to 2099 only" in _refusal(
        "task", _data(partner="1", text="plakaty"), "31.12.9999"
    )
    assert "Dates from 2000 to 2099 only" in _refusal("period", _data(name="Stary"), "1.01.0001")
    assert "31.02.2027 does not exist" in _refusal("period", _data(name="X"), "31.02.2027")
    assert "more than 5 years ahead" in _refusal("task", _data(partner="1", text="x"), "1.01.2090")
    assert "Dates from 2000 to 2099" in _refusal("meeting", _data(), "31.12.9999 23:59")


def test_session_date_outside_every_period_is_refused_at_the_step() -> None:
    data = _data(_period_spans=[["2027", "2027-01-01", "2027-12-31"]])
    text = _refusal("session", data, "5.03.2028 17:30")
    assert "5.03.2028 is outside every plan period: 2027 (1.01.2027–31.12.2027)" in text
    assert type_in(FLOWS["session"], data, "5.03.2027 17:30")["when"].startswith("2027-03-05T17:30")


def test_counts_far_above_the_seats_are_refused() -> None:
    data = _data(session="5", _session_seats={"5": 20})
    assert "20 seats; type at most 40 registered" in _refusal("trained", data, "1500")
    assert type_in(FLOWS["trained"], data, "40")["registered"] == 40
    lab = _data(when="x", topic="y", group="1", place="7", trainer="", _place_seats={"7": 10})
    assert "only 10 seats" in _refusal("session", lab, "12")


def test_other_in_either_language_and_names_without_diacritics() -> None:
    data = _data(
        session="5",
        registered=8,
        trained={"1": 8},
        disabled=0,
        _partners_named=[[3, "Biblioteka Publiczna"], [4, "Parafia św. Józefa"]],
    )
    for other in ("inne", "Inni", "other", "pozostali"):
        assert type_in(FLOWS["trained"], data, f"Biblioteka 5, parafia sw jozefa 2, {other} 1")[
            "sources"
        ] == {
            "3": 5,
            "4": 2,
            "=other": 1,
        }
    assert "more (9) than registered (8)" in _refusal("trained", data, "Biblioteka 9")


def test_summary_values_are_shown_as_typed() -> None:
    step = FLOWS["session"].step("when")
    value = type_in(
        FLOWS["session"], _data(_period_spans=[["2027", "2027-01-01", "2027-12-31"]]), "15 marca 17:30"
    )
    assert flows.shown_value(step, value["when"], "15 marca 17:30") == "15.03.2027 17:30"
    trained_step = FLOWS["trained"].step("trained")
    assert (
        flows.shown_value(trained_step, {"1": 8, "2": 3}, " seniorzy 8,  rodzice 3")
        == "seniorzy 8, rodzice 3"
    )


# --------------------------------------------------------------------------- splitting HTML (items 4, 5, 12)


class _Balance(HTMLParser):
    """Checks that a piece is well-formed: tags balanced, no cut tag or entity."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}>"
        self.stack.pop()


def assert_well_formed(piece: str) -> None:
    checker = _Balance()
    checker.feed(piece)
    checker.close()
    assert not checker.stack, f"unclosed {checker.stack}"
    assert not re.search(r"&(?!(amp|lt|gt|quot|#\d+);)", piece), "a cut entity"
    assert not re.search(r"<[^>]*$", piece), "a cut tag"


def test_a_long_escaped_answer_is_split_between_entities_and_tags_are_reopened() -> None:
    text = "<b>Declared resource</b>\n• Describe it <i>" + "&amp;" * 999 + "</i>\n\nSave this?"
    pieces = split_html(text, 4096)
    assert len(pieces) == 2
    for piece in pieces:
        assert len(piece) <= 4096
        assert_well_formed(piece)
    assert "".join(pieces).count("&amp;") == 999


def test_a_long_cron_listing_is_not_cut_inside_code() -> None:
    text = "<b>Check-ins</b>\n1. cron <code>" + "1," * 2100 + "</code> · next"
    for piece in split_html(text, 4096):
        assert_well_formed(piece)


html_text = st.lists(
    st.one_of(
        st.text(alphabet=st.characters(blacklist_characters="<>&"), max_size=300),
        st.sampled_from(
            ["&amp;", "&lt;", "\n", "<b>", "</b>", "<i>", "</i>", '<a href="tg://user?id=1">', "</a>"]
        ),
    ),
    max_size=80,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(html_text, st.integers(min_value=120, max_value=600))
def test_split_pieces_are_within_the_limit_and_well_formed(raw: str, limit: int) -> None:
    # Make the generated markup balanced first, as the bot's messages are.
    balanced = "".join(split_html(raw, 10**9))
    pieces = split_html(balanced, limit)
    for piece in pieces:
        assert len(piece) <= limit
    if all(_well_formed(p) for p in [balanced]):
        for piece in pieces:
            assert_well_formed(piece)


def _well_formed(text: str) -> bool:
    try:
        assert_well_formed(text)
    except AssertionError:
        return False
    return True


# ------------------------------------------------- export (item 1) and .ics (item 2)


def test_export_writes_text_as_text_and_dates_as_dates() -> None:
    sheet = Sheet("Log", ["Time", "Text"])
    sheet.rows.append([datetime(2027, 3, 10, 9, 30), "a\x0bb"])
    sheet.rows.append([date(2027, 3, 1), '=HYPERLINK("http://evil.example","klik")'])
    book = load_workbook(io.BytesIO(workbook([sheet])))
    ws = book["Log"]
    assert ws["B2"].value == "ab"
    assert ws["B3"].data_type == "s" and ws["B3"].value.startswith("=HYPERLINK")
    assert isinstance(ws["A2"].value, datetime) and ws["A2"].number_format == "yyyy-mm-dd hh:mm"
    with zipfile.ZipFile(io.BytesIO(csv_archive([sheet]))) as archive:
        rows = list(csv.reader(io.StringIO(archive.read("Log.csv").decode("utf-8-sig"))))
    assert rows[1] == ["2027-03-10 09:30", "ab"]
    assert rows[2][1].startswith("'=HYPERLINK")


def test_ics_for_the_last_minute_of_9999_does_not_overflow() -> None:
    calendar = meeting_ics(
        uid="m", starts_at=datetime(9999, 12, 31, 23, 59, tzinfo=UTC), title="P\x0b", place="x", agenda="y"
    ).decode()
    assert "DTSTART:99991231T235900Z" in calendar and "\x0b" not in calendar
