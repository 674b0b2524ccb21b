"""Carry an erratum in one snippet forward into the later versions of its file.

A target such as ``tests/conftest.py`` is written whole by many snippets, one
per step that changes it. The later versions of an edited snippet are the
snippets that write the same target afterwards: later steps of the same
chapter, then later chapters, in order. The chain ends at a step that
deletes the target, because a file written again after that is a new file,
not a version derived from the edited one.

Each later version gets the change relative to what it derived from: version
k+1 is merged (``git merge-file``) with base = version k before the merge and
other = version k after it. A conflict stops the chain: the earlier merges
stay written, the conflicting file is left untouched.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from cookbook import git
from cookbook.errors import CookbookError
from cookbook.manifest import Chapter, SnippetWrite
from cookbook.paths import display


@dataclass(frozen=True)
class Lineage:
    """An edited snippet, the later versions of its target, and where they end."""

    edited: SnippetWrite
    later: tuple[SnippetWrite, ...]
    deleted_by: str | None  # "chapter 08, step 3" when a delete ends the chain


def lineage(chapters: tuple[Chapter, ...], snippet: Path) -> Lineage:
    """The snippets that write ``snippet``'s target after it, in book order."""
    found: SnippetWrite | None = None
    later: list[SnippetWrite] = []
    wanted = snippet.resolve()
    for chapter in chapters:
        for step in chapter.steps:
            if found is None:
                found = next(
                    (w for w in step.writes if w.source.resolve() == wanted), None
                )
                continue
            if found.target in step.deletes:
                where = f"chapter {chapter.label}, step {step.number}"
                return Lineage(found, tuple(later), where)
            later.extend(w for w in step.writes if w.target == found.target)
    if found is None:
        raise CookbookError(
            snippet,
            "not a snippet of any chapter: carry takes a snippet file listed in "
            "a chapter.toml, such as chapters/03-unit-of-work/04_conftest_01.py.",
        )
    return Lineage(found, tuple(later), None)


class Status(Enum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    CONFLICT = "CONFLICT"


@dataclass(frozen=True)
class Result:
    """What carrying the change did to one later version."""

    snippet: SnippetWrite
    status: Status
    hunks: tuple[str, ...] = ()  # the conflicting hunks, with diff3 markers


def edit_of(snippet: Path, revision: str) -> tuple[str, str]:
    """The snippet's content at ``revision`` and in the working tree."""
    if not snippet.is_file():
        raise CookbookError(snippet, "no such file: give the path of a snippet.")
    before = git.show(snippet, revision)
    after = read(snippet)
    if before == after:
        raise CookbookError(
            snippet,
            f"unchanged since {revision}: edit the snippet first, or name with "
            "--from the revision before the edit (such as HEAD~1).",
        )
    return before, after


def carry(lineage: Lineage, before: str, after: str) -> Iterator[Result]:
    """Merge the edit ``before`` -> ``after`` into each later version in turn.

    Changed files are written as they come; the first conflict ends it.
    """
    previous = lineage.edited.name
    for snippet in lineage.later:
        current = read(snippet.source)
        merge = git.merge_file(
            snippet.source, before, after, _labels(snippet, previous)
        )
        if merge.conflicts:
            yield Result(snippet, Status.CONFLICT, conflict_hunks(merge.text))
            return
        if merge.text == current:
            yield Result(snippet, Status.UNCHANGED)
        else:
            snippet.source.write_bytes(merge.text.encode("utf-8"))
            yield Result(snippet, Status.CHANGED)
        before, after, previous = current, merge.text, snippet.name


def _labels(snippet: SnippetWrite, previous: str) -> tuple[str, str, str]:
    return (
        display(snippet.source),
        f"{previous}, before the edit",
        f"{previous}, after the edit",
    )


CONFLICT_REGION = re.compile(
    r"^<{7}(?: [^\n]*)?\n.*?^>{7}(?: [^\n]*)?(?:\n|\Z)", re.MULTILINE | re.DOTALL
)


def conflict_hunks(merged: str) -> tuple[str, ...]:
    """Each region between ``<<<<<<<`` and ``>>>>>>>`` in a merged text."""
    return tuple(match.group(0) for match in CONFLICT_REGION.finditer(merged))


def read(path: Path) -> str:
    """A snippet's text, line endings as they are."""
    return path.read_bytes().decode("utf-8")
