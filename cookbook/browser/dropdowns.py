"""Folded content opened, as a reader opens it to read or to copy it."""

from playwright.sync_api import Page

from cookbook.browser.javascript import script


def open_every_dropdown(page: Page) -> int:
    """Open every ``<details>`` of the page, sphinx-design's dropdowns among
    them; a code block in a closed one cannot be clicked, nor measured."""
    opened: int = page.evaluate(script("open_dropdowns"))
    return opened
