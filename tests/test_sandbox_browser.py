"""The sandbox's page in a real headless browser (Debian's chromium driven by playwright).

The sandbox runs in the test's own event loop: the local Bot API server, the real bot and the
page. The browser does what a coordinator trying the bot would do: add the bot to the group,
/setup, add a partner with the buttons, /status, /chart, /export, invite a representative by
deep link, and let that representative answer a check-in.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot import clock
from sandbox.run import Options, Sandbox

CHROMIUM = "/usr/bin/chromium"
playwright_api = pytest.importorskip("playwright.async_api", reason="playwright is in the dev extras")

if not (shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)) and os.environ.get("CI") != "true":
    pytest.skip(
        f"no {CHROMIUM}: apt-get install chromium chromium-driver (CI installs it and runs this test)",
        allow_module_level=True,
    )

WAIT_MS = 15_000


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    """A running sandbox in English, on a free port, its clock starting at the test's moment."""
    box = Sandbox(Options(port=0, lang="en", db=str(tmp_path / "sandbox.db")), start=clock.now())
    await box.start()
    yield box
    await box.stop()


@pytest.fixture
async def page(sandbox: Sandbox) -> AsyncIterator[Any]:
    """A phone-free desktop browser page on the sandbox, ready."""
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM)
        context = await browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
        tab = await context.new_page()
        await tab.goto(sandbox.page.url)
        await tab.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
        yield tab
        await browser.close()


async def type_in(page: Any, text: str) -> None:
    """Type a message into the composer and send it."""
    await page.fill("#text", text)
    await page.press("#text", "Enter")


async def bot_says(page: Any, text: str) -> Any:
    """The bot's latest message containing `text`, once it is on the page."""
    found = page.locator(".msg.bot", has_text=text).last
    try:
        await found.wait_for(timeout=WAIT_MS)
    except playwright_api.TimeoutError:
        shown = "\n---\n".join(await page.locator("#messages > *").all_inner_texts())
        raise AssertionError(f"the bot did not say {text!r}; the chat shows:\n{shown}") from None
    return found


async def press(page: Any, label: str) -> None:
    """Press an inline button on the bot's latest message that has it."""
    await page.locator(".msg.bot .kb", has_text=label).last.click()


async def act_as(page: Any, first_name: str) -> None:
    """Switch the page to another person."""
    option = page.locator("#person option", has_text=first_name).first
    await page.select_option("#person", await option.get_attribute("value"))


async def test_a_coordinator_tries_the_bot_in_the_browser(
    sandbox: Sandbox, page: Any, tmp_path: Path
) -> None:
    assert await page.locator("#person option").count() == 6  # coordinator, 3 partners, supervisor, stranger
    await page.click("#add-bot")
    await bot_says(page, "/setup")
    await type_in(page, "/setup Partnerstwo Czarne")
    await bot_says(page, "Registered the partnership “Partnerstwo Czarne”")

    await type_in(page, "/addpartner Biblioteka Publiczna")
    await bot_says(page, "What kind of organisation is it?")
    await press(page, "library")
    await bot_says(page, "Where does it stand?")
    await press(page, "joined")
    await press(page, "Save")
    await bot_says(page, "Added “Biblioteka Publiczna” to the registry.")

    # A typed answer: the bot's reply prompt turns the input into a reply, as in Telegram.
    await type_in(page, "/resource Biblioteka Publiczna")
    await press(page, "computer lab")
    await bot_says(page, "Describe it in a few words")
    await page.locator("#replying").wait_for(timeout=WAIT_MS)
    await type_in(page, "Pracownia komputerowa")
    await bot_says(page, "How many seats")
    await type_in(page, "12")
    await bot_says(page, "When is it available")
    await type_in(page, "weekday afternoons")
    await press(page, "Save")
    await bot_says(page, "Saved the resource of “Biblioteka Publiczna”.")

    await type_in(page, "/status")
    status = await bot_says(page, "Coordinator: Anna Nowak")
    assert await status.locator("b").count() >= 1  # the bot's HTML is drawn, not shown as tags

    await type_in(page, "/chart")
    chart = page.locator(".msg.bot .photo img").last
    await chart.wait_for(timeout=WAIT_MS)
    await page.wait_for_function("document.querySelector('.msg.bot .photo img').naturalWidth > 100")
    async with page.context.expect_page() as opened:
        await chart.click()
    image = await opened.value
    await image.wait_for_load_state()
    assert "/file/" in image.url
    await image.close()

    await type_in(page, "/export")
    document = page.locator(".msg.bot .document", has_text=".xlsx").last
    await document.wait_for(timeout=WAIT_MS)
    async with page.expect_download() as downloading:
        await document.click()
    download = await downloading.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    assert zipfile.is_zipfile(saved)  # an XLSX is a ZIP of sheets

    # An invitation link, opened by Emma from the group, makes her the library's representative.
    await type_in(page, "/invite Biblioteka Publiczna")
    await press(page, "Save")
    invitation = await bot_says(page, "t.me/")
    await act_as(page, "Emma")
    await invitation.locator("a[href*='start=']").first.click()
    await bot_says(page, "You now represent")
    assert await page.locator("#chat-title").inner_text() == "partnerbot"  # her private chat

    await act_as(page, "Anna")
    await page.locator("#chats .chat").first.click()
    await type_in(page, "/checkin How is recruitment going?")
    question = await bot_says(page, "How is recruitment going?")
    assert await question.locator(".kb").count() >= 2
    await act_as(page, "Emma")
    await page.locator("#chats .chat").first.click()
    await press(page, (await question.locator(".kb").first.inner_text()).strip())
    await page.locator(".toast", has_text="Thank you! Recorded").wait_for(timeout=WAIT_MS)

    # The coordinator makes Jan an administrator, then removes the bot from the group.
    await act_as(page, "Anna")
    await page.select_option("#make-admin", label="Jan Kowalski")
    await page.locator(".service", has_text="made Jan Kowalski an administrator").wait_for(timeout=WAIT_MS)
    await page.click("#remove-bot")
    await page.locator("#add-bot").wait_for(timeout=WAIT_MS)
    assert sandbox.telegram.violations == []
