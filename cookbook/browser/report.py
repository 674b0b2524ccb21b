"""The problems the checks find, each with a screenshot of its page.

A message says what is wrong in words; the screenshot shows what the reader
would see, which is often quicker to understand (a block that scrolls, a
line that cannot be read).
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from cookbook.paths import BUILD_DIR, display

SCREENSHOTS = BUILD_DIR / "browser"


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
