"""The built site in a real browser: ``python -m cookbook.browser build/html``.

Serves the site on a free loopback port and drives it with Playwright in
headless Chromium, doing what a reader does:

* every page, crawled from the index, loads without a console error, a
  failed request, a broken image or a link to a missing page or anchor;
* a console block's copy button copies the command alone (no ``$ ``, no
  output), a code block's the whole snippet;
* the search box finds a glossary term, and each chapter by a word of its text;
* at a phone's width (375 px) nothing but code blocks scrolls sideways;
* in the dark theme, highlighted lines keep their text readable (contrast of
  the text against the ``hll`` background);
* each chapter's download link gives a zip, which is the files the page shows
  and which installs in a fresh virtualenv with its tests passing (the checks
  of ``python -m cookbook.downloads``, on the zip the browser downloaded).

A failed check saves a screenshot of its page under ``build/browser/`` and
names it. Chromium is found by ``find_chromium``: ``CHROMIUM`` or
``PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH``, then ``/usr/bin/chromium``, then one
on the PATH, then Playwright's own download.
"""

import argparse
import functools
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    ViewportSize,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

from cookbook import archive, downloads
from cookbook.manifest import Chapter, load_chapters
from cookbook.paths import BUILD_DIR, CHAPTERS_DIR, display

SCREENSHOTS = BUILD_DIR / "browser"
CHROMIUM_VARIABLES = ("CHROMIUM", "PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH")
DEBIAN_CHROMIUM = "/usr/bin/chromium"  # Debian's chromium package, as on CI
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NO_CHROMIUM = """\
no Chromium to drive. Install one of:
  - Debian's chromium:   apt-get install chromium     (CI does this in .ci/run)
  - Playwright's own:    .nox/browser/bin/playwright install chromium
  - or point CHROMIUM at a Chrome or Chromium executable:
                         CHROMIUM=/path/to/chrome nox -s browser"""
PHONE: ViewportSize = {"width": 375, "height": 740}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
MINIMUM_CONTRAST = 4.5  # WCAG AA for normal text
TIMEOUT_MS = 15_000


class NoChromiumError(Exception):
    """No Chromium or Chrome executable could be found."""


def find_chromium(
    environment: dict[str, str] | None = None,
    default_playwright: Callable[[], str] | None = None,
    known: tuple[str, ...] = (DEBIAN_CHROMIUM,),
) -> str | None:
    """The executable to launch; None means Playwright's own Chromium.

    Raises NoChromiumError, whose message says what to install, when there
    is none at all.
    """
    environment = dict(os.environ) if environment is None else environment
    for variable in CHROMIUM_VARIABLES:
        value = environment.get(variable)
        if value:
            if not Path(value).is_file():
                raise NoChromiumError(f"{variable}={value}: no such file.\n")
            return value
    for path in known:
        if Path(path).is_file():
            return path
    for name in CHROMIUM_NAMES:
        found = shutil.which(name, path=environment.get("PATH"))
        if found:
            return found
    if default_playwright is not None and Path(default_playwright()).is_file():
        return None
    raise NoChromiumError(NO_CHROMIUM)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1 at a free port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Report:
    """The problems found, each naming its page and, when taken, its
    screenshot."""

    screenshots: Path
    problems: list[str] = field(default_factory=list)

    def fail(
        self, page: Page | None, what: str, problem: str, *, full_page: bool = True
    ) -> None:
        if page is not None:
            self.screenshots.mkdir(parents=True, exist_ok=True)
            slug = re.sub(r"[^A-Za-z0-9]+", "-", what).strip("-")[:80]
            path = self.screenshots / f"{slug}.png"
            try:
                page.screenshot(path=str(path), full_page=full_page)
                problem += f"\n  screenshot: {display(path)}"
            except PlaywrightError as error:
                problem += f"\n  (no screenshot: {error.message.splitlines()[0]})"
        self.problems.append(problem)


@dataclass
class Site:
    """What the crawl found: the pages, and the ids each page has."""

    base: str
    pages: list[str] = field(default_factory=list)
    ids: dict[str, set[str]] = field(default_factory=dict)

    def relative(self, url: str) -> str:
        return url.removeprefix(self.base) or "index.html"

    def chapter_pages(self) -> list[str]:
        return [
            url
            for url in self.pages
            if re.search(r"/chapters/\d{2}-[^/]+/(index\.html)?$", url)
        ]


def _normal(url: str) -> str:
    """A page's URL without fragment and query, ``/`` as ``/index.html``."""
    url = urldefrag(url).url.split("?", 1)[0]
    return url + "index.html" if url.endswith("/") else url


def _is_page(url: str) -> bool:
    return urlsplit(url).path.endswith((".html", "/"))


def crawl(context: BrowserContext, base: str, report: Report) -> Site:
    """Every page reachable from the index: console errors, failed requests,
    broken images, links to missing pages, files or anchors."""
    site = Site(base)
    state = _Crawl(queue=[base + "index.html"])
    state.seen.update(state.queue)
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(f"console {message.type}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(f"script error: {error}"))
    page.on(
        "response",
        lambda response: (
            errors.append(f"HTTP {response.status} for {site.relative(response.url)}")
            if response.status >= 400 and response.url.startswith(base)
            else None
        ),
    )
    page.on(
        "requestfailed",
        lambda request: (
            errors.append(f"request failed: {request.url} ({request.failure})")
            # Aborted: the browser left the page before it finished (a favicon,
            # say); a missing file is a 4xx response, reported above.
            if request.url.startswith(base) and request.failure != "net::ERR_ABORTED"
            else None
        ),
    )
    while state.queue:
        url = state.queue.pop(0)
        errors.clear()
        response = page.goto(url, wait_until="load")
        name = site.relative(url)
        if response is None or response.status != 200:
            status = "no response" if response is None else f"HTTP {response.status}"
            report.fail(page, f"page {name}", f"{name}: does not load ({status}).")
            continue
        site.pages.append(url)
        found = page.evaluate(
            """() => ({
                links: [...document.querySelectorAll("a[href]")].map(a => a.href),
                ids: [...document.querySelectorAll("[id], a[name]")]
                    .map(e => e.id || e.getAttribute("name")),
                broken: [...document.images]
                    .filter(i => !i.complete || i.naturalWidth === 0)
                    .map(i => i.currentSrc || i.src),
            })"""
        )
        site.ids[url] = set(found["ids"])
        problems = list(errors)
        problems += [f"broken image {site.relative(src)}" for src in found["broken"]]
        problems += _check_links(context, site, url, found["links"], state)
        if problems:
            report.fail(
                page,
                f"page {name}",
                f"{name}:\n" + "\n".join(f"  - {p}" for p in dict.fromkeys(problems)),
            )
    for source, target, fragment in state.anchors:
        if target in site.ids and fragment not in site.ids[target]:
            report.fail(
                None,
                "",
                f"{site.relative(source)}: links to {site.relative(target)}"
                f"#{fragment}, an anchor that page does not have.",
            )
    page.close()
    return site


@dataclass
class _Crawl:
    queue: list[str]
    seen: set[str] = field(default_factory=set)
    statuses: dict[str, int] = field(default_factory=dict)
    anchors: list[tuple[str, str, str]] = field(default_factory=list)


def _check_links(
    context: BrowserContext, site: Site, url: str, links: list[str], state: _Crawl
) -> list[str]:
    """Problems with the internal links of one page; queues the new pages."""
    problems: list[str] = []
    for link in links:
        if not link.startswith(site.base):
            continue
        target = _normal(link)
        fragment = urldefrag(link).fragment
        if _is_page(link) and fragment:
            state.anchors.append((url, target, fragment))
        if target in state.seen:
            continue
        if target not in state.statuses:
            state.statuses[target] = context.request.head(target).status
        status = state.statuses[target]
        kind = "page" if _is_page(link) else "file"
        if status != 200:
            problems.append(
                f"links to a missing {kind} {site.relative(target)} (HTTP {status})"
            )
        elif _is_page(link):
            state.seen.add(target)
            state.queue.append(target)
    return problems


COPY_BLOCKS = """() => [...document.querySelectorAll("div.highlight")].map(
    (block, i) => {
        const console = !!block.closest("div.highlight-console");
        block.setAttribute("data-copy-check", String(i));
        return {index: i, console, text: block.querySelector("pre").textContent};
    })"""


def check_copy_buttons(context: BrowserContext, site: Site, report: Report) -> int:
    """Click every copy button of every chapter page and read the clipboard."""
    origin = site.base.rstrip("/")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    page = context.new_page()
    clicked = 0
    for url in site.chapter_pages():
        page.goto(url, wait_until="load")
        name = site.relative(url)
        for block in page.evaluate(COPY_BLOCKS):
            shown: str = block["text"].rstrip("\n")
            if block["console"]:
                first = shown.split("\n", 1)[0]
                expected = first.removeprefix("$ ")
                kind = "console block"
            else:
                expected = shown
                kind = "code block"
            selector = f'div.highlight[data-copy-check="{block["index"]}"]'
            button = page.locator(f"{selector} button.copybtn")
            if button.count() != 1:
                report.fail(
                    page, f"copy {name}", f"{name}: a {kind} has no copy button."
                )
                continue
            page.evaluate("navigator.clipboard.writeText('')")
            button.click()
            copied = page.evaluate("navigator.clipboard.readText()")
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


def _search(page: Page, base: str, query: str) -> list[str]:
    """Type ``query`` in the sidebar's search box; the result links."""
    page.goto(base + "index.html", wait_until="load")
    box = page.locator("input.sidebar-search")
    box.fill(query)
    box.press("Enter")
    page.wait_for_url("**/search.html?*")
    page.wait_for_function(
        "() => document.querySelector('#search-results .search-summary')"
        "?.innerText.trim().length > 0",
        timeout=TIMEOUT_MS,
    )
    links: list[str] = page.eval_on_selector_all(
        "#search-results ul.search a", "links => links.map(a => a.href)"
    )
    return [_normal(link) for link in links]


def check_search(context: BrowserContext, site: Site, report: Report) -> list[str]:
    """A glossary term finds the glossary; each chapter is found by a word of
    its text."""
    page = context.new_page()
    found: list[str] = []
    glossary = site.base + "glossary.html"
    if glossary in site.ids:
        page.goto(glossary, wait_until="load")
        terms = page.eval_on_selector_all(
            "dl.glossary > dt", "terms => terms.map(t => t.innerText.trim())"
        )
        if not terms:
            report.fail(page, "glossary", "glossary.html: has no glossary terms.")
        else:
            term = terms[0].rstrip("¶").strip()
            if glossary not in _search(page, site.base, term):
                report.fail(
                    page,
                    "search glossary",
                    f"searching {term!r}, a glossary term, does not find "
                    "glossary.html.",
                )
            found.append(term)
    for url in site.chapter_pages():
        page.goto(url, wait_until="load")
        text = page.eval_on_selector_all(
            "article p", "ps => ps.map(p => p.innerText).join(' ')"
        )
        words = sorted(set(re.findall(r"\b[a-z]{8,}\b", text)), key=lambda w: -len(w))
        if not words:
            continue
        word = words[0]
        if url not in _search(page, site.base, word):
            report.fail(
                page,
                f"search {word}",
                f"searching {word!r}, a word of {site.relative(url)}, does not "
                "find it.",
            )
        found.append(word)
    page.close()
    return found


SIDEWAYS = """() => {
    const root = document.documentElement;
    const found = [];
    if (root.scrollWidth > root.clientWidth + 1)
        found.push(`the page is ${root.scrollWidth} px wide`);
    for (const element of document.querySelectorAll("body *")) {
        const style = getComputedStyle(element);
        if (!["auto", "scroll"].includes(style.overflowX)) continue;
        if (element.scrollWidth <= element.clientWidth + 1) continue;
        if (element.closest("div.highlight, pre")) continue;
        const name = element.tagName.toLowerCase()
            + (element.id ? "#" + element.id : "")
            + [...element.classList].map(c => "." + c).join("");
        found.push(`${name} scrolls sideways (${element.scrollWidth} px in `
            + `${element.clientWidth} px)`);
    }
    return found;
}"""


def check_phone_width(browser: Browser, site: Site, report: Report) -> int:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    for url in site.pages:
        page.goto(url, wait_until="load")
        sideways = page.evaluate(SIDEWAYS)
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


CONTRAST = """() => {
    const rgb = (colour) => {
        const [r, g, b, a] = colour.match(/[\\d.]+/g).map(Number);
        return {r, g, b, a: a === undefined ? 1 : a};
    };
    const over = (top, bottom) => ({
        r: top.r * top.a + bottom.r * (1 - top.a),
        g: top.g * top.a + bottom.g * (1 - top.a),
        b: top.b * top.a + bottom.b * (1 - top.a),
        a: 1,
    });
    const background = (element) => {
        const layers = [];
        for (let e = element; e; e = e.parentElement) {
            const colour = rgb(getComputedStyle(e).backgroundColor);
            if (colour.a > 0) layers.push(colour);
            if (colour.a >= 1) break;
        }
        return layers.reverse().reduce((below, top) => over(top, below),
                                       {r: 255, g: 255, b: 255, a: 1});
    };
    const luminance = ({r, g, b}) => {
        const channel = (v) => {
            v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const ratio = (a, b) => {
        const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
        return (high + 0.05) / (low + 0.05);
    };
    const worst = [];
    for (const line of document.querySelectorAll(".highlight .hll")) {
        const back = background(line);
        const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            if (!node.textContent.trim()) continue;
            const element = node.parentElement;
            const colour = over(rgb(getComputedStyle(element).color), back);
            const value = ratio(colour, back);
            worst.push({value, text: node.textContent.trim().slice(0, 40),
                        colour: getComputedStyle(element).color,
                        background: `rgb(${back.r}, ${back.g}, ${back.b})`});
        }
    }
    worst.sort((a, b) => a.value - b.value);
    return {lines: document.querySelectorAll(".highlight .hll").length,
            worst: worst.slice(0, 3)};
}"""


def check_dark_contrast(browser: Browser, site: Site, report: Report) -> float:
    """Highlighted lines in the dark theme: text against the hll background."""
    context = browser.new_context(viewport=DESKTOP, color_scheme="dark")
    page = context.new_page()
    lowest = float("inf")
    for url in site.chapter_pages():
        page.goto(url, wait_until="load")
        name = site.relative(url)
        result = page.evaluate(CONTRAST)
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
            target = _normal(page.evaluate("(a) => a.href", link.element_handle()))
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
            expected = archive.top_folder(chapter) + ".zip"
            problems = (
                [f"{href}: expected {expected}"]
                if saved.name != expected
                else downloads.check_page(chapters, chapter, html)
            )
            if install and not problems:
                problems = downloads.install_zip_and_test(saved, chapter)
            for problem in problems:
                report.fail(page, f"download {name}", f"{name}: {problem}")
    page.close()
    return checked


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cookbook.browser")
    parser.add_argument("site", type=Path, help="the built HTML folder")
    parser.add_argument(
        "--no-install",
        action="store_true",
        help="do not install the downloaded zips nor run their tests",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        choices=["crawl", "copy", "search", "phone", "dark", "downloads"],
        help="run only this check (repeatable; crawl always runs)",
    )
    arguments = parser.parse_args(argv)
    try:
        problems = check_site(
            arguments.site,
            install=not arguments.no_install,
            only=tuple(arguments.only),
        )
    except NoChromiumError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"\n{problem}", file=sys.stderr)
    if problems:
        print(f"\n{len(problems)} problem(s) in the browser.", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
