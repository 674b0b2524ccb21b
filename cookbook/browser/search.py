"""The search box, used as a reader uses it: type a word, press Enter.

A glossary term must find the glossary, and each chapter must be found by a
long word of its own text. The search index is built by Sphinx and read by
its JavaScript; a page missing from it cannot be found by anyone.
"""

import re

from playwright.sync_api import BrowserContext, Page

from cookbook.browser.chromium import TIMEOUT_MS
from cookbook.browser.report import Report
from cookbook.browser.site_map import Site, page_url


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
            if glossary not in _search(page, term):
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
        words = set(re.findall(r"\b[a-z]{8,}\b", text))
        if not words:
            continue
        # The longest word, the first of them in the alphabet: the same word
        # every run (a set's order changes with the hash seed).
        word = min(words, key=lambda w: (-len(w), w))
        if url not in _search(page, word):
            report.fail(
                page,
                f"search {word}",
                f"searching {word!r}, a word of {site.relative(url)}, does not "
                "find it.",
            )
        found.append(word)
    page.close()
    return found


def _search(page: Page, query: str) -> list[str]:
    """Type ``query`` in the sidebar's search box of the page that is open;
    the result links."""
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
    return [page_url(link) for link in links]
