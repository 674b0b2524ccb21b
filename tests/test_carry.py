"""``carry``: an erratum in one snippet goes into the later versions of its file.

Each test builds a tiny book in a temporary git repository: ``tests/conftest.py``
is written by step 1 and step 2 of chapter 01 and step 1 of chapter 02,
deleted by chapter 02's step 2 and written again, as a new file, by its
step 3.
"""

import subprocess
import textwrap
from pathlib import Path

import pytest

from cookbook.cli import main

FIRST_MANIFEST = """\
title = "First"

[[step]]
run = "true"
expect = "pass"
[step.files]
"01_conftest_01.py" = "tests/conftest.py"

[[step]]
run = "true"
expect = "pass"
[step.files]
"02_conftest_01.py" = "tests/conftest.py"
"""

SECOND_MANIFEST = """\
title = "Second"

[[step]]
run = "true"
expect = "pass"
[step.files]
"01_conftest_01.py" = "tests/conftest.py"
"01_helpers_02.py" = "tests/helpers.py"

[[step]]
delete = ["tests/conftest.py"]
run = "true"
expect = "pass"

[[step]]
run = "true"
expect = "pass"
[step.files]
"03_conftest_01.py" = "tests/conftest.py"
"""

V1 = """\
import pytest


@pytest.fixture
def greeting() -> str:
    return "Helo"


@pytest.fixture
def name() -> str:
    return "Ada"


@pytest.fixture
def punctuation() -> str:
    return "!"
"""

SHOUT = """\


@pytest.fixture
def shout() -> bool:
    return False
"""

# Chapter 01, step 2: a fixture added at the end.
V2 = V1 + SHOUT

# Chapter 02, step 1: the name fixture changed, far from the greeting.
V3 = V2.replace('return "Ada"', 'return "Grace"')

SAMPLE = {
    "01-first/chapter.toml": FIRST_MANIFEST,
    "01-first/01_conftest_01.py": V1,
    "01-first/02_conftest_01.py": V2,
    "02-second/chapter.toml": SECOND_MANIFEST,
    "02-second/01_conftest_01.py": V3,
    "02-second/01_helpers_02.py": 'GREETING = "Helo"\n',
    "02-second/03_conftest_01.py": 'GREETING = "Helo"\n',
}

FIRST = "01-first/01_conftest_01.py"
LATER = ("01-first/02_conftest_01.py", "02-second/01_conftest_01.py")
NOT_VERSIONS = ("02-second/01_helpers_02.py", "02-second/03_conftest_01.py")


class Book:
    """A chapters folder in a git repository, every file committed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.chapters_dir = root / "chapters"
        for relative, content in SAMPLE.items():
            path = self.path(relative)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(content), encoding="utf-8")
        self.git("init", "-q")
        self.commit("The sample book")

    def path(self, relative: str) -> Path:
        return self.chapters_dir / relative

    def read(self, relative: str) -> str:
        return self.path(relative).read_text(encoding="utf-8")

    def replace(self, relative: str, old: str, new: str) -> None:
        text = self.read(relative)
        assert old in text, f"{old!r} is not in {relative}"
        self.path(relative).write_text(text.replace(old, new), encoding="utf-8")

    def git(self, *arguments: str) -> None:
        subprocess.run(["git", *arguments], cwd=self.root, check=True)

    def commit(self, message: str, add: bool = True) -> None:
        if add:
            self.git("add", "-A")
        self.git(
            "-c",
            "user.name=Writer",
            "-c",
            "user.email=writer@example.com",
            "-c",
            "commit.gpgsign=false",
            "commit",
            "-q",
            "-m",
            message,
        )

    def carry(self, relative: str, *options: str) -> int:
        return main(["carry", str(self.path(relative)), *options], self.chapters_dir)


@pytest.fixture
def book(tmp_path: Path) -> Book:
    return Book(tmp_path)


def fix_typo(book: Book) -> None:
    book.replace(FIRST, 'return "Helo"', 'return "Hello"')


def test_carries_the_edit_to_the_later_versions(
    book: Book, capsys: pytest.CaptureFixture[str]
) -> None:
    fix_typo(book)

    assert book.carry(FIRST) == 0

    assert book.read(LATER[0]) == V2.replace("Helo", "Hello")
    out = capsys.readouterr().out
    for relative in LATER:
        assert f"changed     {book.path(relative)}" in out


def test_a_version_changed_elsewhere_still_gets_the_edit(book: Book) -> None:
    fix_typo(book)

    assert book.carry(FIRST) == 0

    assert book.read(LATER[1]) == V3.replace("Helo", "Hello")
    assert 'return "Grace"' in book.read(LATER[1])


def test_the_chain_stops_at_a_delete_and_keeps_to_its_target(
    book: Book, capsys: pytest.CaptureFixture[str]
) -> None:
    fix_typo(book)

    assert book.carry(FIRST) == 0

    for relative in NOT_VERSIONS:
        assert book.read(relative) == 'GREETING = "Helo"\n'
    out = capsys.readouterr().out
    assert "the chain ends where chapter 02, step 2 deletes tests/conftest.py" in out
    assert "03_conftest_01.py" not in out


def test_carrying_again_finds_the_change_already_there(
    book: Book, capsys: pytest.CaptureFixture[str]
) -> None:
    fix_typo(book)
    assert book.carry(FIRST) == 0
    capsys.readouterr()

    assert book.carry(FIRST) == 0

    out = capsys.readouterr().out
    for relative in LATER:
        assert f"unchanged   {book.path(relative)}" in out
    assert "changed     " not in out


def test_from_an_older_revision(book: Book) -> None:
    fix_typo(book)
    book.commit("Fix the greeting")

    assert book.carry(FIRST, "--from", "HEAD~1") == 0

    assert 'return "Hello"' in book.read(LATER[1])


def test_a_conflict_stops_with_the_hunk_and_leaves_the_file_untouched(
    book: Book, capsys: pytest.CaptureFixture[str]
) -> None:
    book.replace(FIRST, 'return "Ada"', 'return "Ada Lovelace"')

    assert book.carry(FIRST) == 1

    assert 'return "Ada Lovelace"' in book.read(LATER[0])
    assert book.read(LATER[1]) == V3
    conflicted = book.path(LATER[1])
    captured = capsys.readouterr()
    assert f"CONFLICT    {conflicted}  (left untouched)" in captured.out
    assert f"error: {conflicted}: the change does not apply cleanly" in captured.err
    assert f"carry {conflicted} --from HEAD" in captured.err
    hunk = captured.err.split(f"conflict 1 in {conflicted}:\n", 1)[1]
    assert hunk.splitlines()[:7] == [
        f"<<<<<<< {conflicted}",
        '    return "Grace"',
        "||||||| 02_conftest_01.py, before the edit",
        '    return "Ada"',
        "=======",
        '    return "Ada Lovelace"',
        ">>>>>>> 02_conftest_01.py, after the edit",
    ]


def test_a_file_that_is_not_a_snippet(
    book: Book, capsys: pytest.CaptureFixture[str]
) -> None:
    assert book.carry("01-first/chapter.toml") == 2

    error = capsys.readouterr().err
    assert "01-first/chapter.toml: not a snippet of any chapter" in error
    assert "a snippet file listed in a chapter.toml" in error


def test_an_unchanged_snippet(book: Book, capsys: pytest.CaptureFixture[str]) -> None:
    assert book.carry(FIRST) == 2

    error = capsys.readouterr().err
    assert f"{book.path(FIRST)}: unchanged since HEAD: edit the snippet first" in error
    assert [book.read(relative) for relative in LATER] == [V2, V3]


def test_an_untracked_snippet(book: Book, capsys: pytest.CaptureFixture[str]) -> None:
    book.git("rm", "-q", "--cached", str(book.path(FIRST)))
    book.commit("Forget the first snippet", add=False)
    fix_typo(book)

    assert book.carry(FIRST) == 2

    error = capsys.readouterr().err
    assert f"{book.path(FIRST)}: cannot read it at HEAD" in error
    assert book.read(LATER[0]) == V2
