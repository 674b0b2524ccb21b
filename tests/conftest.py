"""Fixtures for the machinery's tests: a small book of two chapters.

The sample chapters are real: their steps run pytest on a tiny package, one
step is red on purpose, and their transcripts are recorded by the runner.
"""

import contextlib
import io
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from sphinx.cmd.build import build_main

from cookbook.manifest import Chapter, load_chapters
from cookbook.runner import verify_chapter

PYPROJECT = """\
[project]
name = "greeter"
version = "0.1.0"
dependencies = []

[project.optional-dependencies]
test = ["pytest"]

[tool.pytest.ini_options]
pythonpath = ["src"]
addopts = "-p no:asyncio"
"""

GREET = """\
def greet(name: str) -> str:
    return f"Hello, {name}!"
"""

TEST_GREET = """\
from greet import greet


def test_greet() -> None:
    assert greet("Ada") == "Hello, Ada!"
"""

TEST_SHOUT = """\
import greet


def test_shout() -> None:
    assert greet.shout("Ada") == "HELLO, ADA!"
"""

GREET_AND_SHOUT = """\
def greet(name: str) -> str:
    return f"Hello, {name}!"


def shout(name: str) -> str:
    return greet(name).upper()
"""

FIRST_MANIFEST = """\
title = "First"

[[step]]
[step.files]
"01_pyproject_01.toml" = "pyproject.toml"
"01_greet_02.py" = "src/greet.py"

[[step]]
run = "pytest -q -p no:cacheprovider"
expect = "pass"
[step.files]
"02_test_greet_01.py" = "tests/test_greet.py"
"""

SECOND_MANIFEST = """\
title = "Second"

[[step]]
run = "pytest -q -p no:cacheprovider"
expect = "fail"
[step.files]
"01_test_shout_01.py" = "tests/test_shout.py"

[[step]]
run = "pytest -q -p no:cacheprovider"
expect = "pass"
[step.files]
"02_greet_01.py" = "src/greet.py"
"""

FIRST_PAGE = """\
First
=====

.. snippet:: 01_pyproject_01.toml

.. snippet:: 01_greet_02.py

.. snippet:: 02_test_greet_01.py

.. transcript:: 2

.. chapter-end::
"""

SECOND_PAGE = """\
Second
======

.. snippet:: 01_test_shout_01.py

.. transcript:: 1

.. snippet:: 02_greet_01.py

.. transcript:: 2

.. chapter-end::
"""

SAMPLE = {
    "01-first/chapter.toml": FIRST_MANIFEST,
    "01-first/index.rst": FIRST_PAGE,
    "01-first/01_pyproject_01.toml": PYPROJECT,
    "01-first/01_greet_02.py": GREET,
    "01-first/02_test_greet_01.py": TEST_GREET,
    "02-second/chapter.toml": SECOND_MANIFEST,
    "02-second/index.rst": SECOND_PAGE,
    "02-second/01_test_shout_01.py": TEST_SHOUT,
    "02-second/02_greet_01.py": GREET_AND_SHOUT,
}


class SampleBook:
    """A chapters folder in a temporary directory, easy to break on purpose."""

    def __init__(self, root: Path, template: "SampleBook | None" = None) -> None:
        self.root = root
        self.chapters_dir = root / "chapters"
        self.states_dir = root / "states"
        if template is not None:
            shutil.copytree(template.chapters_dir, self.chapters_dir)
            return
        for relative, content in SAMPLE.items():
            self.write(relative, content)

    def path(self, relative: str) -> Path:
        return self.chapters_dir / relative

    def write(self, relative: str, content: str) -> Path:
        path = self.path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content), encoding="utf-8")
        return path

    def replace(self, relative: str, old: str, new: str) -> None:
        path = self.path(relative)
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} is not in {relative}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def load(self) -> tuple[Chapter, ...]:
        return load_chapters(self.chapters_dir)


@pytest.fixture
def sample(tmp_path: Path) -> SampleBook:
    return SampleBook(tmp_path)


@pytest.fixture(scope="session")
def recorded_template(tmp_path_factory: pytest.TempPathFactory) -> SampleBook:
    """The sample with its transcripts recorded by a real run, made once."""
    book = SampleBook(tmp_path_factory.mktemp("recorded"))
    chapters = book.load()
    for chapter in chapters:
        reports = verify_chapter(
            chapters, chapter, record=True, states_dir=book.states_dir
        )
        assert [report.problems for report in reports] == [()] * len(reports)
    return book


@pytest.fixture
def recorded(tmp_path: Path, recorded_template: SampleBook) -> SampleBook:
    """A fresh copy of the recorded sample, free to break."""
    return SampleBook(tmp_path, template=recorded_template)


CONF = """\
extensions = ["cookbook.sphinxext"]
cookbook_chapters_dir = {chapters!r}
"""

INDEX = """\
Sample
======

.. toctree::
   :glob:

   chapters/*/index
"""


@dataclass
class Build:
    returncode: int
    output: str
    html: Path

    def page(self, folder: str) -> str:
        return (self.html / "chapters" / folder / "index.html").read_text()


def build(book: SampleBook) -> Build:
    source = book.root / "site"
    if not source.exists():
        source.mkdir()
        (source / "conf.py").write_text(CONF.format(chapters=str(book.chapters_dir)))
        (source / "index.rst").write_text(INDEX)
        (source / "chapters").symlink_to(book.chapters_dir)
    html = book.root / "html"
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        returncode = build_main(
            ["-W", "--keep-going", "-q", "-b", "html", str(source), str(html)]
        )
    return Build(returncode, output.getvalue(), html)


@pytest.fixture
def built(recorded: SampleBook) -> Build:
    result = build(recorded)
    assert result.returncode == 0, result.output
    return result
