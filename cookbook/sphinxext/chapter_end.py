"""``.. chapter-end::``: the chapter's project as a download, and what changed.

The zip files themselves are written when the HTML build finishes, from the
same assembly the chapter's verification runs, so the download is exactly
the state whose tests passed.
"""

from pathlib import Path, PurePosixPath
from typing import ClassVar

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import OptionSpec

from cookbook import archive
from cookbook.manifest import Chapter
from cookbook.sphinxext.chapters import (
    all_chapters,
    chapter_of,
    note_chapter_dependencies,
)
from cookbook.state import chapter_changes, state_at

DOWNLOADS_FOLDER = "downloads"


def download_name(chapter: Chapter) -> str:
    return f"{archive.top_folder(chapter)}.zip"


class ChapterEndDirective(SphinxDirective):
    has_content = False
    option_spec: ClassVar[OptionSpec] = {}

    def run(self) -> list[nodes.Node]:
        chapter = chapter_of(self.env, self)
        note_chapter_dependencies(self.env, chapter)
        changes = chapter_changes(all_chapters(self.env), chapter.number)
        box = nodes.container(classes=["chapter-end"])
        box += self._download_paragraph(chapter)
        for label, paths in (
            ("Added", changes.added),
            ("Changed", changes.changed),
            ("Removed", changes.removed),
        ):
            if paths:
                box += self._file_list(label, paths)
        return [box]

    def _download_paragraph(self, chapter: Chapter) -> nodes.paragraph:
        depth = self.env.docname.count("/")
        uri = "../" * depth + f"{DOWNLOADS_FOLDER}/{download_name(chapter)}"
        paragraph = nodes.paragraph()
        paragraph += nodes.strong(text="The project at the end of this chapter: ")
        paragraph += nodes.reference(
            "", download_name(chapter), refuri=uri, classes=["chapter-download"]
        )
        paragraph += nodes.Text(". Unzip it, then run ")
        paragraph += nodes.literal(text='python -m pip install -e ".[test]"')
        paragraph += nodes.Text(" and ")
        paragraph += nodes.literal(text="pytest")
        paragraph += nodes.Text(" in its folder.")
        return paragraph

    def _file_list(self, label: str, paths: tuple[PurePosixPath, ...]) -> nodes.Node:
        section = nodes.container(
            classes=["chapter-files", f"chapter-files-{label.lower()}"]
        )
        section += nodes.paragraph(text=f"{label} in this chapter:")
        items = nodes.bullet_list()
        for path in paths:
            items += nodes.list_item(
                "", nodes.paragraph("", "", nodes.literal(text=str(path)))
            )
        section += items
        return section


def write_downloads(app: Sphinx, exception: Exception | None) -> None:
    """Write every chapter's zip next to the HTML pages (``build-finished``)."""
    if exception is not None or app.builder.format != "html":
        return
    chapters: tuple[Chapter, ...] = all_chapters(app.env)
    folder = Path(app.outdir) / DOWNLOADS_FOLDER
    for chapter in chapters:
        archive.write_zip(
            state_at(chapters, chapter.number),
            folder / download_name(chapter),
            archive.top_folder(chapter),
        )
