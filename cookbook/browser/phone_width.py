"""Every page at a phone's width: nothing but code blocks scrolls sideways.

A code line may be longer than a phone is wide, and its block scrolls; a
paragraph, a table or the page itself must not, or the reader has to pan
to read each line.
"""

from playwright.sync_api import Browser, ViewportSize

from cookbook.browser.dropdowns import open_every_dropdown
from cookbook.browser.javascript import script
from cookbook.browser.report import Report
from cookbook.browser.site_map import Site

PHONE: ViewportSize = {"width": 375, "height": 740}


def check_phone_width(browser: Browser, site: Site, report: Report) -> int:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    for url in site.pages:
        page.goto(url, wait_until="load")
        open_every_dropdown(page)
        sideways = page.evaluate(script("sideways"))
        if sideways:
            name = site.relative(url)
            report.fail(
                page,
                f"phone {name}",
                f"{name} at {PHONE['width']} px:\n"
                + "\n".join(f"  - {s}" for s in sideways),
            )
    context.close()
    return len(site.pages)
