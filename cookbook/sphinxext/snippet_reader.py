"""What a ``.. snippet::`` shows: the text or a part of it, the lines to
highlight, or the diff against the previous version.

The directive (``snippet.py``) only turns the result into docutils nodes,
the way Sphinx keeps its ``LiteralIncludeReader`` apart from
``LiteralInclude``. Everything here works on the chapters and on text, so
it is tested without building a site, and every mistake a page's writer can
make is a ``SnippetError`` whose message says what to change.
"""

from dataclasses import dataclass
from pathlib import Path

from pygments.lexers import get_lexer_for_filename
from pygments.util import ClassNotFound

from cookbook.changes import changed_lines, format_ranges, unified_diff
from cookbook.errors import CookbookError
from cookbook.manifest import Chapter
from cookbook.sphinxext.file_part import select_part
from cookbook.state import state_at


class SnippetError(Exception):
    """A snippet directive that cannot be shown as written."""


@dataclass(frozen=True)
class Options:
    """What the page asks for, as the directive's options give it."""

    pyobject: str | None = None
    start_after: str | None = None
    end_before: str | None = None
    emphasize_lines: str | None = None
    diff: bool = False
    language: str | None = None  # Pygments' name; by default, the target's


@dataclass(frozen=True)
class Versions:
    """A snippet, and the version of its target that it replaces."""

    name: str
    source: Path
    target: str  # the path in the project, the block's caption
    step: int
    current: str
    previous: str | None  # None when the snippet creates its target
    final: bool  # the chapter ends with this version (it is the one in the zip)


def find_versions(
    chapters: tuple[Chapter, ...], chapter: Chapter, name: str
) -> Versions:
    """The snippet ``name`` of ``chapter`` and what its target was before."""
    try:
        step, write = chapter.find_snippet(name)
    except CookbookError as error:
        raise SnippetError(str(error)) from None
    before = state_at(chapters, chapter.number, step.number - 1).get(write.target)
    return Versions(
        name=name,
        source=write.source,
        target=str(write.target),
        step=step.number,
        current=write.source.read_text(encoding="utf-8"),
        previous=before.read_text(encoding="utf-8") if before else None,
        final=state_at(chapters, chapter.number).get(write.target) == write.source,
    )


@dataclass(frozen=True)
class Shown:
    """The text of the block, and how to show it."""

    text: str
    language: str
    highlighted: tuple[int, ...] = ()  # numbers of lines of ``text``, from 1
    partial: bool = False  # a part of the file, not all of it
    diff: bool = False


def read(versions: Versions, options: Options) -> Shown:
    """What the page shows of the snippet, as its options ask."""
    if options.diff:
        return _diff(versions, options)
    try:
        part = select_part(
            versions.current,
            pyobject=options.pyobject,
            start_after=options.start_after,
            end_before=options.end_before,
        )
    except ValueError as error:
        raise SnippetError(f"{versions.name}: {error}") from None
    return Shown(
        text=part.text,
        language=options.language or language_of(versions.target),
        highlighted=tuple(
            sorted(_highlighted(versions, options, part.lines, part.first))
        ),
        partial=len(part.lines) != len(versions.current.splitlines()),
    )


def _diff(versions: Versions, options: Options) -> Shown:
    others = (
        options.pyobject,
        options.start_after,
        options.end_before,
        options.emphasize_lines,
    )
    if any(option is not None for option in others):
        raise SnippetError(":diff: shows the whole change; drop the other options.")
    if versions.previous is None:
        raise SnippetError(
            f"{versions.name} creates {versions.target}, so there is no previous "
            "version to diff against: remove :diff:."
        )
    text = unified_diff(versions.previous, versions.current, versions.target)
    return Shown(text=text, language="diff", diff=True)


def _highlighted(
    versions: Versions, options: Options, lines: tuple[str, ...], first: int
) -> set[int]:
    """Lines to highlight, numbered within the part shown.

    By default the lines that changed since the previous version, none in a
    new file. ``:emphasize-lines:`` picks some of the changed lines: a range
    that takes an unchanged one is an error, because it means the snippet was
    edited and the range no longer points where the text says. Blank lines
    are never highlighted (a highlighted gap only adds noise), and choosing
    one is not an error.
    """
    changed = {
        line - first + 1
        for line in changed_lines(versions.previous, versions.current)
        if first <= line < first + len(lines) and lines[line - first].strip()
    }
    spec = options.emphasize_lines
    if spec is None:
        return changed if versions.previous is not None else set()
    try:
        chosen = parse_line_spec(spec, len(lines))
    except ValueError as error:
        raise SnippetError(
            f"{versions.name}: :emphasize-lines: {spec} does not match the snippet "
            f"({error}). Fix the range, or remove the option to highlight the "
            "changed lines."
        ) from None
    unchanged = {line for line in chosen - changed if lines[line - 1].strip()}
    if unchanged:
        raise SnippetError(
            f"{versions.name}: :emphasize-lines: {spec} highlights line(s) "
            f"{format_ranges(unchanged)}, which did not change since the previous "
            f"version of {versions.target} (changed: "
            f"{format_ranges(changed) or 'none'}). The snippet was probably "
            "edited: fix the range, or remove the option to highlight the "
            "changed lines."
        )
    return chosen


def parse_line_spec(spec: str, count: int) -> set[int]:
    """``"1-3, 5"`` as ``{1, 2, 3, 5}``; a ValueError for anything else."""
    numbers: set[int] = set()
    for part in spec.replace(" ", "").split(","):
        first, _, last = part.partition("-")
        start, end = int(first), int(last or first)
        if not 1 <= start <= end <= count:
            raise ValueError(f"{part!r} is not within lines 1-{count}")
        numbers.update(range(start, end + 1))
    return numbers


def language_of(target: str) -> str:
    """Pygments' name for the language of a file, by its name."""
    try:
        return get_lexer_for_filename(target).aliases[0]
    except ClassNotFound:
        return "text"
