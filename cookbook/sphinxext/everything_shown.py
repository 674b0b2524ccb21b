"""Check that each chapter page shows every snippet and transcript it has.

Directives remember what they showed, per page, in the build environment;
after reading, every snippet of the manifest and every step's transcript
must have been shown on the chapter's page. A snippet nobody sees would be
code the page does not explain.
"""

from collections.abc import Iterable

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from cookbook.paths import display
from cookbook.sphinxext.chapters import all_chapters

logger = logging.getLogger(__name__)

ATTRIBUTE = "cookbook_shown"
Shown = dict[str, dict[str, set[str]]]  # docname -> kind -> names


def _shown(env: BuildEnvironment) -> Shown:
    if not hasattr(env, ATTRIBUTE):
        setattr(env, ATTRIBUTE, {})
    shown: Shown = getattr(env, ATTRIBUTE)
    return shown


def remember_shown(env: BuildEnvironment, kind: str, name: str) -> None:
    _shown(env).setdefault(env.docname, {}).setdefault(kind, set()).add(name)


def purge_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _shown(env).pop(docname, None)


def merge_info(
    app: Sphinx, env: BuildEnvironment, docnames: Iterable[str], other: BuildEnvironment
) -> None:
    for docname in docnames:
        if docname in _shown(other):
            _shown(env)[docname] = _shown(other)[docname]


def check_everything_shown(app: Sphinx, env: BuildEnvironment) -> None:
    shown = _shown(env)
    for chapter in all_chapters(env):
        docname = f"chapters/{chapter.folder.name}/index"
        if docname not in env.found_docs:
            logger.warning(
                "%s: missing: every chapter folder needs its page.",
                display(chapter.page),
            )
            continue
        page = shown.get(docname, {})
        for step in chapter.steps:
            for write in step.writes:
                if write.name not in page.get("snippets", set()):
                    logger.warning(
                        "%s: the page does not show snippet %s; add "
                        "'.. snippet:: %s' where the text explains it.",
                        display(chapter.page),
                        write.name,
                        write.name,
                        location=docname,
                    )
            if step.command and str(step.number) not in page.get("transcripts", set()):
                logger.warning(
                    "%s: the page does not show the output of step %d; add "
                    "'.. transcript:: %d' after the step's snippets.",
                    display(chapter.page),
                    step.number,
                    step.number,
                    location=docname,
                )
