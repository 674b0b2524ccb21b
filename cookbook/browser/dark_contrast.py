"""Highlighted lines in the dark theme: can their text still be read?

The snippets highlight what changed since the previous version: the very
lines a reader should read. Pygments' dark style (monokai) marks them with a
grey on which some of its own tokens fall to 2.9:1, so
``docs/_static/cookbook.css`` darkens the band; this check measures every
piece of highlighted text against it, which must keep a contrast of 4.5:1
(WCAG AA).
"""

from playwright.sync_api import Browser

from cookbook.browser.chromium import DESKTOP
from cookbook.browser.dropdowns import open_every_dropdown
from cookbook.browser.javascript import script
from cookbook.browser.report import Report
from cookbook.browser.site_map import Site

MINIMUM_CONTRAST = 4.5  # WCAG AA for normal text


def check_dark_contrast(browser: Browser, site: Site, report: Report) -> float:
    """Highlighted lines in the dark theme: text against the hll background."""
    context = browser.new_context(viewport=DESKTOP, color_scheme="dark")
    page = context.new_page()
    lowest = float("inf")
    for url in site.chapter_pages():
        page.goto(url, wait_until="load")
        open_every_dropdown(page)
        name = site.relative(url)
        result = page.evaluate(script("contrast"))
        bad = [w for w in result["worst"] if w["value"] < MINIMUM_CONTRAST]
        if result["worst"]:
            lowest = min(lowest, result["worst"][0]["value"])
        if bad:
            page.locator(".highlight .hll").first.scroll_into_view_if_needed()
            report.fail(
                page,
                f"dark {name}",
                f"{name} in the dark theme: highlighted lines are hard to read "
                f"(contrast below {MINIMUM_CONTRAST}:1):\n"
                + "\n".join(
                    f"  - {w['text']!r}: {w['colour']} on {w['background']}, "
                    f"{w['value']:.2f}:1"
                    for w in bad
                ),
            )
    context.close()
    return lowest
