"""Check the built site as a reader uses it: ``python -m cookbook.downloads``.

For each chapter page of the built HTML:

* every captioned snippet on the page is the file at that path: the last
  version of each file is compared with the file in the chapter's zip, and
  earlier versions with the project state at their step;
* the chapter's zip installs in a fresh virtual environment
  (``pip install -e ".[test]"``, through uv) and its tests pass.
"""

import argparse
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cookbook import archive
from cookbook.manifest import Chapter, load_chapters
from cookbook.paths import CHAPTERS_DIR, REPO_ROOT
from cookbook.state import state_at

CONSTRAINTS = REPO_ROOT / "constraints.txt"
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


def check_page(
    chapters: tuple[Chapter, ...], chapter: Chapter, site: Path
) -> list[str]:
    page_path = site / "chapters" / chapter.folder.name / "index.html"
    zip_path = site / "downloads" / f"{archive.top_folder(chapter)}.zip"
    for path in (page_path, zip_path):
        if not path.is_file():
            return [f"{path}: missing; build the site first (nox -s docs)."]
    problems: list[str] = []
    with zipfile.ZipFile(zip_path) as opened:
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
            source = f"{zip_path.name}:{snippet.target}"
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


def install_and_test(chapter: Chapter, site: Path) -> list[str]:
    """Unzip the chapter's download, install it in a new venv, run pytest."""
    zip_path = site / "downloads" / f"{archive.top_folder(chapter)}.zip"
    return install_zip_and_test(zip_path, chapter)


def install_zip_and_test(zip_path: Path, chapter: Chapter) -> list[str]:
    """Unzip a chapter's zip, install it in a new venv, run pytest (the
    browser check does it on the zip that its download link gave)."""
    uv = shutil.which("uv")
    if uv is None:
        return [
            "uv is not installed: run this check through nox -s downloads "
            "(or nox -s browser)."
        ]
    with tempfile.TemporaryDirectory(prefix="reader-") as folder:
        with zipfile.ZipFile(zip_path) as opened:
            opened.extractall(folder)
        project = Path(folder) / archive.top_folder(chapter)
        environment = {
            key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"
        }
        python = project / ".venv" / "bin" / "python"
        commands = [
            [uv, "venv", "--quiet", "--python", sys.executable, str(project / ".venv")],
            [
                uv,
                "pip",
                "install",
                "--quiet",
                "--python",
                str(python),
                "-c",
                str(CONSTRAINTS),
                "-e",
                f"{project}[test]",
            ],
            [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        ]
        for command in commands:
            completed = subprocess.run(
                command,
                cwd=project,
                env=environment,
                capture_output=True,
                text=True,
                check=False,
            )
            if completed.returncode != 0:
                return [
                    f"{zip_path.name}: '{' '.join(command[:3])} ...' failed "
                    f"(exit {completed.returncode}):\n"
                    f"{completed.stdout}{completed.stderr}"
                ]
            last_output = completed.stdout
        summary = last_output.strip().splitlines()[-1] if last_output.strip() else ""
        print(f"  {zip_path.name}: installed, pytest: {summary}")
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cookbook.downloads")
    parser.add_argument("site", type=Path, help="the built HTML folder")
    arguments = parser.parse_args(argv)
    chapters = load_chapters(CHAPTERS_DIR)
    problems: list[str] = []
    for chapter in chapters:
        print(f"chapter {chapter.label}: checking the page and the download")
        problems += check_page(chapters, chapter, arguments.site)
        problems += install_and_test(chapter, arguments.site)
    for problem in problems:
        print(f"\n{problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
