"""The dependencies a chapter's project declares, for installing them once.

A chapter's steps all run in one environment, so the session installs what
the project declares at the chapter's end (dependencies grow, they are not
taken away), plus the ``test`` extra. The project itself is not installed:
its pytest configuration puts ``src`` on the path, so every step's folder
tests its own code.
"""

import tomllib
from pathlib import PurePosixPath

from cookbook.errors import CookbookError
from cookbook.manifest import Chapter
from cookbook.state import state_at

PYPROJECT = PurePosixPath("pyproject.toml")
TEST_EXTRA = "test"


def chapter_requirements(chapters: tuple[Chapter, ...], chapter: Chapter) -> list[str]:
    """Requirement strings of the project at the end of ``chapter``."""
    source = state_at(chapters, chapter.number).get(PYPROJECT)
    if source is None:
        raise CookbookError(
            chapter.manifest,
            "the project has no pyproject.toml at the end of this chapter; "
            "chapter 01 writes it in its first step.",
        )
    try:
        project = tomllib.loads(source.read_text(encoding="utf-8"))["project"]
    except (tomllib.TOMLDecodeError, KeyError) as error:
        raise CookbookError(source, f"not a valid pyproject.toml ({error}).") from None
    requirements = list(project.get("dependencies", []))
    requirements += project.get("optional-dependencies", {}).get(TEST_EXTRA, [])
    return requirements
