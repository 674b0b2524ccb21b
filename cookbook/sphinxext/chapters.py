"""The book's chapters inside a Sphinx build: loaded once, and each page's own.

A directive asks here for every chapter (a page's project state is built
from all the chapters before it) and for the chapter of the page being read,
and notes what that page depends on, so that Sphinx reads the page again
when one of its snippets, manifests or transcripts changes.
"""

from pathlib import Path

from docutils.parsers.rst import Directive
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import ExtensionError

from cookbook.errors import CookbookError
from cookbook.manifest import Chapter, load_chapters

CHAPTERS_ATTRIBUTE = "_cookbook_chapters"


def load_into(app: Sphinx) -> None:
    """Read and check every chapter once per build (``builder-inited``)."""
    try:
        chapters = load_chapters(Path(app.config.cookbook_chapters_dir))
    except CookbookError as error:
        raise ExtensionError(f"cookbook: {error}") from None
    setattr(app.env, CHAPTERS_ATTRIBUTE, chapters)


def all_chapters(env: BuildEnvironment) -> tuple[Chapter, ...]:
    chapters: tuple[Chapter, ...] = getattr(env, CHAPTERS_ATTRIBUTE)
    return chapters


def chapter_of(env: BuildEnvironment, directive: Directive) -> Chapter:
    """The chapter whose page is being read; an error on any other page."""
    parts = env.docname.split("/")
    if len(parts) == 3 and parts[0] == "chapters" and parts[2] == "index":
        for chapter in all_chapters(env):
            if chapter.folder.name == parts[1]:
                return chapter
    raise directive.error(
        f"{directive.name} is only for chapter pages (chapters/NN-slug/index.rst), "
        f"not {env.docname}."
    )


def note_chapter_dependencies(env: BuildEnvironment, chapter: Chapter) -> None:
    """Re-read the page when anything its state is built from changes.

    A page's highlighting and download depend on every earlier chapter too,
    since each chapter starts from the end of the previous one.
    """
    for earlier in all_chapters(env):
        if earlier.number > chapter.number:
            break
        env.note_dependency(str(earlier.manifest))
        for step in earlier.steps:
            for write in step.writes:
                env.note_dependency(str(write.source))
    for step in chapter.steps:
        if step.command is not None:
            env.note_dependency(str(chapter.transcript_path(step)))
