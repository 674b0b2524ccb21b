"""Every check of the site in a browser, in order, each timed and summed up.

The crawl always runs first: the other checks visit the pages it found.
Each check prints one line (its name, its problems, its time, what it
covered), so a slow or a failing one shows at a glance.
"""

import time
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import sync_playwright

from cookbook.browser.chromium import (
    CHROMIUM_FLAGS,
    DESKTOP,
    TIMEOUT_MS,
    find_chromium,
)
from cookbook.browser.copy_buttons import check_copy_buttons
from cookbook.browser.crawl import crawl
from cookbook.browser.dark_contrast import check_dark_contrast
from cookbook.browser.download_links import check_downloads
from cookbook.browser.phone_width import check_phone_width
from cookbook.browser.report import SCREENSHOTS, Report
from cookbook.browser.search import check_search
from cookbook.browser.server import serve
from cookbook.browser.site_map import Site
from cookbook.manifest import load_chapters
from cookbook.paths import CHAPTERS_DIR

CHECKS = ("crawl", "copy", "search", "phone", "dark", "downloads")


def check_site(
    html: Path,
    *,
    chapters_dir: Path = CHAPTERS_DIR,
    screenshots: Path = SCREENSHOTS,
    install: bool = True,
    only: tuple[str, ...] = (),
) -> list[str]:
    """Run every check (or those named in ``only``) on the built site."""
    if not (html / "index.html").is_file():
        return [f"{html / 'index.html'}: missing; build the site first (nox -s docs)."]
    chapters = load_chapters(chapters_dir)
    report = Report(screenshots)
    with serve(html) as base, sync_playwright() as playwright:
        executable = find_chromium(
            default_playwright=lambda: playwright.chromium.executable_path
        )
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        browser_name = executable or "Playwright's Chromium"
        print(f"browser: {browser_name} {browser.version}, site: {base}")
        context = browser.new_context(viewport=DESKTOP)
        context.set_default_timeout(TIMEOUT_MS)

        def step(label: str, check: Callable[[], object]) -> None:
            if only and label not in (*only, "crawl"):
                return
            started = time.perf_counter()
            before = len(report.problems)
            result = check()
            failed = len(report.problems) - before
            verdict = f"{failed} problem(s)" if failed else "ok"
            seconds = time.perf_counter() - started
            print(f"  {label:<10} {verdict:<14} {seconds:5.1f} s  {result}")

        site = Site(base)

        def crawled() -> str:
            nonlocal site
            site = crawl(context, base, report)
            return f"{len(site.pages)} pages"

        step("crawl", crawled)  # always: the other checks use its pages
        step(
            "copy",
            lambda: f"{check_copy_buttons(context, site, report)} copy buttons",
        )
        step("search", lambda: f"found {check_search(context, site, report)}")
        step(
            "phone",
            lambda: f"{check_phone_width(browser, site, report)} pages at 375 px",
        )
        step(
            "dark",
            lambda: (
                f"lowest contrast {check_dark_contrast(browser, site, report):.1f}:1"
            ),
        )

        def downloaded() -> str:
            zips = check_downloads(
                context, site, report, html, chapters, install=install
            )
            return f"{zips} zips"

        step("downloads", downloaded)
        context.close()
        browser.close()
    return report.problems
