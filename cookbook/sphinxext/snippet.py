"""``.. snippet:: 02_model_01.py``: a snippet file, captioned with its target.

The directive reads the snippet exactly as the chapter's steps write it.
It highlights the lines that changed since the previous version of the same
target (or shows a diff against it), so the reader's eye goes to what is new.
"""

from pathlib import Path
from typing import ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from pygments.lexers import get_lexer_for_filename
from pygments.util import ClassNotFound
from sphinx.directives.code import LiteralIncludeReader, container_wrapper
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import OptionSpec

from cookbook.changes import changed_lines, format_ranges, locate, unified_diff
from cookbook.sphinxext.chapters import (
    all_chapters,
    chapter_of,
    note_chapter_dependencies,
)
from cookbook.sphinxext.everything_shown import remember_shown
from cookbook.state import state_at


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
    try:
        return get_lexer_for_filename(target).aliases[0]
    except ClassNotFound:
        return "text"


class SnippetDirective(SphinxDirective):
    has_content = False
    required_arguments = 1
    option_spec: ClassVar[OptionSpec] = {
        "pyobject": directives.unchanged_required,
        "start-after": directives.unchanged_required,
        "end-before": directives.unchanged_required,
        "emphasize-lines": directives.unchanged_required,
        "diff": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        chapter = chapter_of(self.env, self)
        chapters = all_chapters(self.env)
        note_chapter_dependencies(self.env, chapter)
        name = self.arguments[0]
        try:
            step, write = chapter.find_snippet(name)
        except Exception as error:
            raise self.error(str(error)) from None
        remember_shown(self.env, "snippets", name)
        previous_source = state_at(chapters, chapter.number, step.number - 1).get(
            write.target
        )
        previous = (
            previous_source.read_text(encoding="utf-8") if previous_source else None
        )
        current = write.source.read_text(encoding="utf-8")
        target = str(write.target)
        is_final = state_at(chapters, chapter.number).get(write.target) == write.source
        classes = ["snippet", f"snippet-step-{step.number:02d}"]
        if is_final:
            classes.append("snippet-final")

        if "diff" in self.options:
            if set(self.options) & {
                "pyobject",
                "start-after",
                "end-before",
                "emphasize-lines",
            }:
                raise self.error(
                    ":diff: shows the whole change; drop the other options."
                )
            if previous is None:
                raise self.error(
                    f"{name} creates {target}, so there is no previous version to "
                    "diff against: remove :diff:."
                )
            text = unified_diff(previous, current, target)
            block = nodes.literal_block(text, text, language="diff")
            classes.append("snippet-diff")
        else:
            text, shown, offset = self._read_part(write.source, current)
            highlighted = self._highlighted(
                name=name,
                target=target,
                previous=previous,
                current=current,
                shown=shown,
                offset=offset,
            )
            block = nodes.literal_block(text, text, language=language_of(target))
            block["highlight_args"] = (
                {"hl_lines": sorted(highlighted)} if highlighted else {}
            )
            if len(shown) != len(current.splitlines()):
                classes.append("snippet-partial")
        block["source"] = str(write.source)
        self.set_source_info(block)
        wrapped = container_wrapper(self, block, target)
        wrapped["classes"] += classes
        return [wrapped]

    def _read_part(self, source: Path, current: str) -> tuple[str, list[str], int]:
        """The part of the file to show, its lines, and where it starts."""
        options = {
            key: value
            for key, value in self.options.items()
            if key in {"pyobject", "start-after", "end-before"}
        }
        if not options:
            return current, current.splitlines(), 0
        reader = LiteralIncludeReader(str(source), options, self.config)
        try:
            text, _ = reader.read(location=self.get_source_info())
        except ValueError as error:
            raise self.error(f"{self.arguments[0]}: {error}") from None
        shown = text.splitlines()
        offset = locate(shown, current.splitlines())
        if offset is None or not shown:
            raise self.error(f"{self.arguments[0]}: the selected part is empty.")
        return text, shown, offset

    def _highlighted(
        self,
        *,
        name: str,
        target: str,
        previous: str | None,
        current: str,
        shown: list[str],
        offset: int,
    ) -> set[int]:
        """Lines to highlight, numbered within the part shown.

        Blank lines are never highlighted: a highlighted gap only adds noise.
        """
        changed = {
            line - offset
            for line in changed_lines(previous, current)
            if offset < line <= offset + len(shown) and shown[line - offset - 1].strip()
        }
        spec = self.options.get("emphasize-lines")
        if spec is None:
            return changed if previous is not None else set()
        try:
            chosen = parse_line_spec(spec, len(shown))
        except ValueError as error:
            raise self.error(
                f"{name}: :emphasize-lines: {spec} does not match the snippet "
                f"({error}). Fix the range, or remove the option to highlight "
                "the changed lines."
            ) from None
        unchanged = {line for line in chosen - changed if shown[line - 1].strip()}
        if unchanged:
            raise self.error(
                f"{name}: :emphasize-lines: {spec} highlights line(s) "
                f"{format_ranges(unchanged)}, which did not change since the previous "
                f"version of {target} (changed: {format_ranges(changed) or 'none'}). "
                "The snippet was probably edited: fix the range, or remove the "
                "option to highlight the changed lines."
            )
        return chosen
