"""Every page reachable from the index, and every link on it.

A page fails on a console error, a script error, a failed request, a broken
image, or a link to a missing page, file or anchor. Links to other sites are
not followed: the check is about the book, not about the web.
"""

from dataclasses import dataclass, field
from urllib.parse import urldefrag

from playwright.sync_api import BrowserContext, ConsoleMessage, Request, Response

from cookbook.browser.javascript import script
from cookbook.browser.report import Report
from cookbook.browser.site_map import Site, is_page, page_url


@dataclass
class _Crawl:
    queue: list[str]
    seen: set[str] = field(default_factory=set)
    statuses: dict[str, int] = field(default_factory=dict)
    anchors: list[tuple[str, str, str]] = field(default_factory=list)


def crawl(context: BrowserContext, base: str, report: Report) -> Site:
    """Every page reachable from the index: console errors, failed requests,
    broken images, links to missing pages, files or anchors."""
    site = Site(base)
    state = _Crawl(queue=[base + "index.html"])
    state.seen.update(state.queue)
    page = context.new_page()
    errors: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"console {message.type}: {message.text}")

    def response(answer: Response) -> None:
        if answer.status >= 400 and answer.url.startswith(base):
            errors.append(f"HTTP {answer.status} for {site.relative(answer.url)}")

    def request_failed(request: Request) -> None:
        # Aborted: the browser left the page before it finished (a favicon,
        # say); a missing file is a 4xx response, reported above.
        if request.url.startswith(base) and request.failure != "net::ERR_ABORTED":
            errors.append(f"request failed: {request.url} ({request.failure})")

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(f"script error: {error}"))
    page.on("response", response)
    page.on("requestfailed", request_failed)
    while state.queue:
        url = state.queue.pop(0)
        errors.clear()
        loaded = page.goto(url, wait_until="load")
        name = site.relative(url)
        if loaded is None or loaded.status != 200:
            status = "no response" if loaded is None else f"HTTP {loaded.status}"
            report.fail(page, f"page {name}", f"{name}: does not load ({status}).")
            continue
        site.pages.append(url)
        found = page.evaluate(script("page_links"))
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


def _check_links(
    context: BrowserContext, site: Site, url: str, links: list[str], state: _Crawl
) -> list[str]:
    """Problems with the internal links of one page; queues the new pages."""
    problems: list[str] = []
    for link in links:
        if not link.startswith(site.base):
            continue
        target = page_url(link)
        fragment = urldefrag(link).fragment
        if is_page(link) and fragment:
            state.anchors.append((url, target, fragment))
        if target in state.seen:
            continue
        if target not in state.statuses:
            state.statuses[target] = context.request.head(target).status
        status = state.statuses[target]
        kind = "page" if is_page(link) else "file"
        if status != 200:
            problems.append(
                f"links to a missing {kind} {site.relative(target)} (HTTP {status})"
            )
        elif is_page(link):
            state.seen.add(target)
            state.queue.append(target)
    return problems
