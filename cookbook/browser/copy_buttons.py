"""Every copy button of every chapter page, clicked, and the clipboard read.

A console block's button must copy its commands alone, without the ``$ ``
prompts and without the output; a code block's the whole snippet. The
clipboard is what a reader pastes, so it is read back rather than the
button's configuration trusted.
"""

from playwright.sync_api import BrowserContext

from cookbook.browser.dropdowns import open_every_dropdown
from cookbook.browser.javascript import script
from cookbook.browser.report import Report
from cookbook.browser.site_map import Site


def check_copy_buttons(context: BrowserContext, site: Site, report: Report) -> int:
    """Click every copy button of every chapter page and read the clipboard."""
    origin = site.base.rstrip("/")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    page = context.new_page()
    clicked = 0
    for url in site.chapter_pages():
        page.goto(url, wait_until="load")
        open_every_dropdown(page)
        page.evaluate("navigator.clipboard.writeText('')")
        name = site.relative(url)
        for block in page.evaluate(script("copy_blocks")):
            shown: str = block["text"].rstrip("\n")
            if block["console"]:
                commands = [
                    line.removeprefix("$ ")
                    for line in shown.split("\n")
                    if line.startswith("$ ")
                ]
                expected = "\n".join(commands)
                kind = "console block"
            else:
                expected = shown
                kind = "code block"
            selector = f'div.highlight[data-copy-check="{block["index"]}"]'
            if block["buttons"] != 1:
                report.fail(
                    page, f"copy {name}", f"{name}: a {kind} has no copy button."
                )
                continue
            # A real click, without Playwright's checks that the button is
            # visible, enabled, still for two animation frames (half the
            # check's time) and the element that receives the click: one that
            # lands elsewhere copies something else, or nothing, which is
            # caught, unless it lands on a button that copies the same text.
            page.locator(f"{selector} button.copybtn").click(force=True)
            copied = page.evaluate(script("read_and_empty_clipboard"))
            clicked += 1
            if copied != expected:
                page.locator(selector).scroll_into_view_if_needed()
                report.fail(
                    page,
                    f"copy {name} {block['index']}",
                    f"{name}: the copy button of a {kind} copied {copied[:300]!r}, "
                    f"expected {expected[:300]!r}.",
                    full_page=False,
                )
    page.close()
    return clicked
