"""Each chapter's zip against its page: ``python -m cookbook.browser.downloads``
(``--chapter NN`` for one chapter's, as the ``download-NN`` sessions do).

For each chapter page of the built HTML:

* every captioned snippet on the page is the file at that path: the last
  version of each file is compared with the file in the chapter's zip, and
  earlier versions with the project state at their step;
* the chapter's zip installs in a fresh virtual environment and its tests
  pass (``install.py``).

``nox -s downloads`` runs this on the site's files, without a browser (and
without Playwright, which this module does not import); ``nox -s
download-NN`` on one chapter's, which lets ``python3 dev.py check`` spread
the zips' suites among its other sessions. ``nox -s browser`` clicks each
page's download link and checks that it gives this very file
(``download_links.py``).
"""

import argparse
import html
import re
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cookbook import archive
from cookbook.browser.install import install_zips_and_test
from cookbook.manifest import Chapter, load_chapters
from cookbook.paths import CHAPTERS_DIR
from cookbook.state import state_at

SNIPPET_BLOCK = re.compile(
    r'<div class="literal-block-wrapper (?P<classes>snippet [^"]*)"[^>]*>\s*'
    r'<div class="code-block-caption"><span class="caption-text">(?P<caption>.*?)'
    r"</span>.*?<pre>(?P<code>.*?)</pre>",
    re.DOTALL,
)


@dataclass(frozen=True)
class ShownSnippet:
    target: PurePosixPath
    step: int
    text: str
    final: bool
    partial: bool
    diff: bool

    def matches(self, file_content: str) -> bool:
        """Whether the page shows this file, or a part of it for an excerpt."""
        shown = self.text.rstrip("\n")
        if self.partial:
            return shown in file_content
        return shown == file_content.rstrip("\n")


def shown_snippets(page: str) -> Iterator[ShownSnippet]:
    """The snippets an HTML chapter page shows, as a reader would copy them."""
    for match in SNIPPET_BLOCK.finditer(page):
        classes = match["classes"].split()
        step = next(
            int(c.rsplit("-", 1)[1]) for c in classes if c.startswith("snippet-step-")
        )
        yield ShownSnippet(
            target=PurePosixPath(html.unescape(match["caption"])),
            step=step,
            text=html.unescape(re.sub(r"<[^>]+>", "", match["code"])),
            final="snippet-final" in classes,
            partial="snippet-partial" in classes,
            diff="snippet-diff" in classes,
        )


def zip_path(site: Path, chapter: Chapter) -> Path:
    """Where the built site keeps the chapter's download."""
    return site / "downloads" / f"{archive.top_folder(chapter)}.zip"


def check_page(
    chapters: tuple[Chapter, ...], chapter: Chapter, site: Path
) -> list[str]:
    """Is every snippet the chapter's page shows the file its caption names?"""
    page_path = site / "chapters" / chapter.folder.name / "index.html"
    download_path = zip_path(site, chapter)
    for path in (page_path, download_path):
        if not path.is_file():
            return [f"{path}: missing; build the site first (nox -s docs)."]
    problems: list[str] = []
    with zipfile.ZipFile(download_path) as opened:
        download = {
            PurePosixPath(name).relative_to(archive.top_folder(chapter)): opened.read(
                name
            )
            for name in opened.namelist()
        }
    snippets = list(shown_snippets(page_path.read_text(encoding="utf-8")))
    if not snippets:
        problems.append(f"{page_path}: shows no snippet; is this a chapter page?")
    for snippet in snippets:
        if snippet.diff:
            continue
        if snippet.final:
            expected = download.get(snippet.target, b"").decode()
            source = f"{download_path.name}:{snippet.target}"
        else:
            state = state_at(chapters, chapter.number, snippet.step)
            expected = state[snippet.target].read_text(encoding="utf-8")
            source = f"the state after step {snippet.step}"
        if not snippet.matches(expected):
            problems.append(
                f"{page_path}: the snippet captioned {snippet.target} (step "
                f"{snippet.step}) is not the file in {source}."
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cookbook.browser.downloads")
    parser.add_argument("site", type=Path, help="the built HTML folder")
    parser.add_argument(
        "--chapter",
        action="append",
        default=[],
        metavar="NN",
        help="check this chapter's download only (repeatable)",
    )
    arguments = parser.parse_args(argv)
    chapters = load_chapters(CHAPTERS_DIR)
    unknown = set(arguments.chapter) - {chapter.label for chapter in chapters}
    if unknown:
        parser.error(f"no chapter {', '.join(sorted(unknown))} in {CHAPTERS_DIR}")
    checked = [
        chapter
        for chapter in chapters
        if not arguments.chapter or chapter.label in arguments.chapter
    ]
    problems: list[str] = []
    for chapter in checked:
        print(f"chapter {chapter.label}: checking the page")
        problems += check_page(chapters, chapter, arguments.site)
    # A zip that is not there was named by its page check above.
    zips = [
        (zip_path(arguments.site, chapter), chapter)
        for chapter in checked
        if zip_path(arguments.site, chapter).is_file()
    ]
    print(f"installing and testing {len(zips)} download(s)")
    for zip_problems in install_zips_and_test(zips):
        problems += zip_problems
    for problem in problems:
        print(f"\n{problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
