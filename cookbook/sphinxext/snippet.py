"""``.. snippet:: 02_model_01.py``: a snippet file, captioned with its target.

The directive reads the snippet exactly as the chapter's steps write it.
It highlights the lines that changed since the previous version of the same
target (or shows a diff against it), so the reader's eye goes to what is new.
What to show is decided in ``snippet_reader.py``; this module builds the
nodes and the classes that ``nox -s downloads`` reads back from the page.
"""

from typing import ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.directives.code import container_wrapper
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import OptionSpec

from cookbook.sphinxext.chapters import (
    all_chapters,
    chapter_of,
    note_chapter_dependencies,
)
from cookbook.sphinxext.everything_shown import remember_shown
from cookbook.sphinxext.snippet_reader import (
    Options,
    Shown,
    SnippetError,
    Versions,
    find_versions,
    read,
)


class SnippetDirective(SphinxDirective):
    has_content = False
    required_arguments = 1
    option_spec: ClassVar[OptionSpec] = {
        "pyobject": directives.unchanged_required,
        "start-after": directives.unchanged_required,
        "end-before": directives.unchanged_required,
        "emphasize-lines": directives.unchanged_required,
        "diff": directives.flag,
        "language": directives.unchanged_required,
    }

    def run(self) -> list[nodes.Node]:
        chapter = chapter_of(self.env, self)
        note_chapter_dependencies(self.env, chapter)
        try:
            versions = find_versions(all_chapters(self.env), chapter, self.arguments[0])
            # Shown even when it fails below: one error for it, not two.
            remember_shown(self.env, "snippets", versions.name)
            shown = read(versions, self._options())
        except SnippetError as error:
            raise self.error(str(error)) from None
        return [self._block(versions, shown)]

    def _options(self) -> Options:
        return Options(
            pyobject=self.options.get("pyobject"),
            start_after=self.options.get("start-after"),
            end_before=self.options.get("end-before"),
            emphasize_lines=self.options.get("emphasize-lines"),
            diff="diff" in self.options,
            language=self.options.get("language"),
        )

    def _block(self, versions: Versions, shown: Shown) -> nodes.Node:
        """The code block, captioned with the target; its classes tell the
        step, and whether it is the chapter's last version, a part, a diff."""
        block = nodes.literal_block(shown.text, shown.text, language=shown.language)
        if not shown.diff:
            block["highlight_args"] = (
                {"hl_lines": list(shown.highlighted)} if shown.highlighted else {}
            )
        block["source"] = str(versions.source)
        self.set_source_info(block)
        wrapped = container_wrapper(self, block, versions.target)
        wrapped["classes"] += ["snippet", f"snippet-step-{versions.step:02d}"]
        for flag, name in (
            (versions.final, "snippet-final"),
            (shown.partial, "snippet-partial"),
            (shown.diff, "snippet-diff"),
        ):
            if flag:
                wrapped["classes"].append(name)
        return wrapped
