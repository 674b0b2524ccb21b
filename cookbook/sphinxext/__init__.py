"""Sphinx extension: the directives of executable chapter pages.

``snippet`` shows a snippet file, ``transcript`` a recorded run,
``diagram`` an ASCII drawing as SVG, and ``chapter-end`` the chapter's
download and file changes. The extension also
checks that every snippet and transcript of a chapter appears on its page.
"""

import hashlib
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from cookbook.paths import CHAPTERS_DIR
from cookbook.sphinxext import chapters, everything_shown
from cookbook.sphinxext.chapter_end import ChapterEndDirective, write_downloads
from cookbook.sphinxext.diagram import DiagramDirective
from cookbook.sphinxext.snippet import SnippetDirective
from cookbook.sphinxext.transcript import TranscriptDirective


def machinery_version() -> int:
    """A number that changes whenever the machinery's code changes.

    Sphinx re-reads every page when an extension's ``env_version`` changes,
    so editing a directive shows up in the next build without ``-E``.
    """
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return int(digest.hexdigest()[:12], 16)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("cookbook_chapters_dir", str(CHAPTERS_DIR), "env")
    app.add_directive("snippet", SnippetDirective)
    app.add_directive("transcript", TranscriptDirective)
    app.add_directive("chapter-end", ChapterEndDirective)
    app.add_directive("diagram", DiagramDirective)
    app.connect("builder-inited", chapters.load_into)
    app.connect("env-purge-doc", everything_shown.purge_doc)
    app.connect("env-merge-info", everything_shown.merge_info)
    app.connect("env-check-consistency", everything_shown.check_everything_shown)
    app.connect("build-finished", write_downloads)
    return {
        "version": "1",
        "env_version": machinery_version(),
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
