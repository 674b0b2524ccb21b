"""Each chapter's download link, clicked as a reader clicks it.

The link must point at a file that is there, and give a zip of the expected
name, byte for byte the site's file that ``downloads.py`` checks: the files
the page shows and, in the ``download-NN`` sessions (or here, unless told
not to install), installed and tested.
"""

import tempfile
import zipfile
from pathlib import Path

from playwright.sync_api import BrowserContext

from cookbook import archive
from cookbook.browser.chromium import TIMEOUT_MS
from cookbook.browser.downloads import check_page, zip_path
from cookbook.browser.install import install_zips_and_test
from cookbook.browser.report import Report
from cookbook.browser.site_map import Site, page_url
from cookbook.manifest import Chapter


def check_download(
    saved: Path, href: str, chapters: tuple[Chapter, ...], chapter: Chapter, html: Path
) -> list[str]:
    """The zip a link gave must be the site's file of its chapter (the one
    the downloads check installs and tests), and hold the page's files."""
    expected = archive.top_folder(chapter) + ".zip"
    site_zip = zip_path(html, chapter)
    if saved.name != expected:
        return [f"{href}: expected {expected}"]
    if not site_zip.is_file():
        return [f"the site has no {site_zip}; build it (nox -s docs)."]
    if saved.read_bytes() != site_zip.read_bytes():
        return [
            f"{href}: not the site's file {site_zip}, which the downloads check "
            "installs and tests."
        ]
    return check_page(chapters, chapter, html)


def check_downloads(
    context: BrowserContext,
    site: Site,
    report: Report,
    html: Path,
    chapters: tuple[Chapter, ...],
    *,
    install: bool,
) -> int:
    """Click each chapter's download link; the zip must be the page's files,
    install, and pass its tests."""
    page = context.new_page()
    checked = 0
    to_install: dict[str, tuple[Path, Chapter]] = {}  # by page name
    by_folder = {chapter.folder.name: chapter for chapter in chapters}
    with tempfile.TemporaryDirectory(prefix="browser-downloads-") as folder:
        for url in site.chapter_pages():
            page.goto(url, wait_until="load")
            name = site.relative(url)
            chapter = by_folder.get(url.rstrip("/").split("/")[-2])
            link = page.locator("a.chapter-download")
            if link.count() != 1:
                report.fail(page, f"download {name}", f"{name}: no download link.")
                continue
            href = link.get_attribute("href") or ""
            target = page_url(page.evaluate("(a) => a.href", link.element_handle()))
            status = context.request.head(target).status
            if status != 200:
                report.fail(
                    page,
                    f"download {name}",
                    f"{name}: the download link {href} is missing (HTTP {status}).",
                )
                continue
            with page.expect_download(timeout=TIMEOUT_MS) as started:
                link.click()
            download = started.value
            saved = Path(folder) / download.suggested_filename
            download.save_as(saved)
            if not zipfile.is_zipfile(saved):
                report.fail(page, f"download {name}", f"{name}: {href} is not a zip.")
                continue
            checked += 1
            if chapter is None:
                continue
            problems = check_download(saved, href, chapters, chapter, html)
            for problem in problems:
                report.fail(page, f"download {name}", f"{name}: {problem}")
            if install and not problems:
                to_install[name] = (saved, chapter)
        # After the clicks, as the zips stay in the folder until then.
        tested = install_zips_and_test(list(to_install.values()))
        for name, problems in zip(to_install, tested, strict=True):
            for problem in problems:
                report.fail(None, f"download {name}", f"{name}: {problem}")
    page.close()
    return checked
