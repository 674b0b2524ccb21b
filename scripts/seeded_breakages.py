"""Break a copy of the book on purpose and check that nox says where.

Each breakage is applied to a fresh copy of the repository's tracked files,
then a real ``nox`` session runs in the copy. The breakage is caught when the
session fails and its output names the broken file. The machinery's unit
tests cover the same cases on a small sample book; this script shows them on
the real chapters, through the commands a writer runs.

Run it with ``nox -s breakages`` (it reuses the main checkout's virtualenvs).
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cookbook.changes import changed_lines  # noqa: E402
from cookbook.manifest import Chapter, load_chapters  # noqa: E402
from cookbook.state import state_at  # noqa: E402

Chapters = tuple[Chapter, ...]


@dataclass(frozen=True)
class Breakage:
    description: str
    session: str
    apply: Callable[[Chapters, Chapter], Path]  # returns the file that must be named


def append_failing_test(chapters: Chapters, chapter: Chapter) -> Path:
    """A test snippet of the chapter's end state edited so that it fails."""
    final = state_at(chapters, chapter.number)
    snippet = next(
        source
        for target, source in sorted(final.items())
        if target.name.startswith("test_") and source.parent == chapter.folder
    )
    with snippet.open("a", encoding="utf-8") as opened:
        opened.write("\n\ndef test_seeded_breakage() -> None:\n    assert 1 == 2\n")
    return chapter.manifest


def edit_transcript(chapters: Chapters, chapter: Chapter) -> Path:
    """A recorded transcript edited by hand."""
    step = next(s for s in reversed(chapter.steps) if s.command)
    path = chapter.transcript_path(step)
    path.write_text(
        path.read_text(encoding="utf-8") + "an extra line\n", encoding="utf-8"
    )
    return path


def add_unused_snippet(chapters: Chapters, chapter: Chapter) -> Path:
    """A snippet file that no step uses."""
    path = chapter.folder / "99_forgotten_01.py"
    path.write_text("FORGOTTEN = True\n", encoding="utf-8")
    return path


def delete_shown_snippet(chapters: Chapters, chapter: Chapter) -> Path:
    """A snippet that the page shows, deleted."""
    path = chapter.steps[-1].writes[-1].source
    path.unlink()
    return path


def declare_a_passing_step_red(chapters: Chapters, chapter: Chapter) -> Path:
    """A step declared to fail (expect = "fail") whose command passes."""
    manifest = chapter.manifest
    text = manifest.read_text(encoding="utf-8")
    steps = text.split("[[step]]")
    passing = next(
        index
        for index, step in enumerate(steps[1:-1], start=1)
        if 'expect = "pass"' in step
    )
    steps[passing] = steps[passing].replace('expect = "pass"', 'expect = "fail"', 1)
    manifest.write_text("[[step]]".join(steps), encoding="utf-8")
    return manifest


def highlight_an_unchanged_line(chapters: Chapters, chapter: Chapter) -> Path:
    """A page that highlights a line which did not change (and is not blank:
    blank lines are never highlighted, so they are not an error)."""
    for step in chapter.steps:
        before = state_at(chapters, chapter.number, step.number - 1)
        for write in step.writes:
            if write.target not in before:
                continue
            lines = write.source.read_text(encoding="utf-8").splitlines()
            changed = changed_lines(
                before[write.target].read_text(encoding="utf-8"), "\n".join(lines)
            )
            unchanged = next(
                (
                    number
                    for number, line in enumerate(lines, start=1)
                    if number not in changed and line.strip()
                ),
                None,
            )
            if unchanged is None:
                continue
            page = chapter.page
            text = page.read_text(encoding="utf-8")
            directive = re.search(
                rf"^\.\. snippet:: {re.escape(write.name)}\n", text, re.M
            )
            if directive is None:
                continue
            option = f"   :emphasize-lines: {unchanged}\n"
            page.write_text(
                text[: directive.end()] + option + text[directive.end() :],
                encoding="utf-8",
            )
            return page
    raise SystemExit(
        f"{chapter.folder.name}: no snippet with an unchanged line to break"
    )


BREAKAGES = (
    Breakage("a snippet edited so its tests fail", "chapter", append_failing_test),
    Breakage("a transcript edited", "chapter", edit_transcript),
    Breakage("an unused snippet file added", "chapter", add_unused_snippet),
    Breakage("a snippet the page shows deleted", "docs", delete_shown_snippet),
    Breakage("a fail step that passes", "chapter", declare_a_passing_step_red),
    Breakage(
        "a page highlighting a line range that no longer matches",
        "docs",
        highlight_an_unchanged_line,
    ),
)


def copy_repository(destination: Path) -> None:
    files = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        source = ROOT / name
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(source.readlink())
        elif source.is_file():
            shutil.copy2(source, target)


def run_breakage(breakage: Breakage, chapter_number: int) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory(prefix="breakage-") as folder:
        copy = Path(folder)
        copy_repository(copy)
        chapters = load_chapters(copy / "chapters")
        chapter = chapters[chapter_number - 1]
        named = breakage.apply(chapters, chapter)
        session = (
            f"chapter-{chapter.label}"
            if breakage.session == "chapter"
            else breakage.session
        )
        completed = subprocess.run(
            [
                "nox",
                "-f",
                str(copy / "noxfile.py"),
                "--envdir",
                str(ROOT / ".nox"),
                "-s",
                session,
            ],
            cwd=copy,
            capture_output=True,
            text=True,
            check=False,
        )
        output = completed.stdout + completed.stderr
        relative = str(named.relative_to(copy))
        caught = completed.returncode != 0 and relative in output
        lines = [line for line in output.splitlines() if relative in line]
        return caught, f"nox -s {session}: exit {completed.returncode}; " + (
            lines[0].strip()[:160] if lines else f"output does not name {relative}"
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chapter", type=int, default=3)
    chapter_number = parser.parse_args().chapter
    missed = 0
    for breakage in BREAKAGES:
        caught, detail = run_breakage(breakage, chapter_number)
        missed += not caught
        verdict = "caught" if caught else "MISSED"
        print(f"{verdict}  {breakage.description}\n        {detail}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
