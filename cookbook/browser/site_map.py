"""The site as the crawl found it, and URLs in the one form checks compare.

Links come in several spellings of the same page (``chapters/01-x/``,
``chapters/01-x/index.html#step``); each is brought to the page's own URL
before it is looked up.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urlsplit

CHAPTER_PAGE = re.compile(r"/chapters/\d{2}-[^/]+/(index\.html)?$")


@dataclass
class Site:
    """What the crawl found: the pages, and the ids each page has."""

    base: str
    pages: list[str] = field(default_factory=list)
    ids: dict[str, set[str]] = field(default_factory=dict)

    def relative(self, url: str) -> str:
        return url.removeprefix(self.base) or "index.html"

    def chapter_pages(self) -> list[str]:
        return [url for url in self.pages if CHAPTER_PAGE.search(url)]


def page_url(url: str) -> str:
    """A page's URL without fragment and query, ``/`` as ``/index.html``."""
    url = urldefrag(url).url.split("?", 1)[0]
    return url + "index.html" if url.endswith("/") else url


def is_page(url: str) -> bool:
    return urlsplit(url).path.endswith((".html", "/"))
