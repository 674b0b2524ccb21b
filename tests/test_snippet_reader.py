"""What a snippet directive shows, decided without building a site."""

from dataclasses import replace
from pathlib import Path

import pytest
from conftest import GREET, GREET_AND_SHOUT, SampleBook

from cookbook.sphinxext.snippet_reader import (
    Options,
    SnippetError,
    Versions,
    find_versions,
    language_of,
    parse_line_spec,
    read,
)

# GREET_AND_SHOUT is GREET and four new lines, 3 to 6: two blank, then shout.
CHANGED = Versions(
    name="02_greet_01.py",
    source=Path("02_greet_01.py"),
    target="src/greet.py",
    step=2,
    current=GREET_AND_SHOUT,
    previous=GREET,
    final=True,
)
# The version before it, which created src/greet.py.
NEW = replace(
    CHANGED,
    name="01_greet_02.py",
    source=Path("01_greet_02.py"),
    step=1,
    current=GREET,
    previous=None,
)


def test_the_changed_lines_are_highlighted_but_not_the_blank_ones() -> None:
    shown = read(CHANGED, Options())

    assert shown.text == GREET_AND_SHOUT
    assert shown.language == "python"
    assert shown.highlighted == (5, 6)
    assert not shown.partial
    assert not shown.diff


def test_a_new_file_has_nothing_highlighted() -> None:
    shown = read(NEW, Options())

    assert shown.text == GREET
    assert shown.highlighted == ()


def test_a_part_is_highlighted_in_its_own_numbers() -> None:
    shown = read(CHANGED, Options(pyobject="shout"))

    assert (
        shown.text == "def shout(name: str) -> str:\n    return greet(name).upper()\n"
    )
    assert shown.highlighted == (1, 2)
    assert shown.partial


def test_an_unchanged_part_has_nothing_highlighted() -> None:
    shown = read(CHANGED, Options(pyobject="greet"))

    assert shown.highlighted == ()
    assert shown.partial


def test_a_part_that_is_not_there_names_the_snippet() -> None:
    with pytest.raises(SnippetError, match=r"^02_greet_01\.py: :pyobject: wave: no"):
        read(CHANGED, Options(pyobject="wave"))


def test_a_chosen_subset_of_the_changed_lines() -> None:
    shown = read(CHANGED, Options(emphasize_lines="6"))

    assert shown.highlighted == (6,)


def test_choosing_a_blank_line_is_not_an_error() -> None:
    shown = read(CHANGED, Options(emphasize_lines="4-6"))

    assert shown.highlighted == (4, 5, 6)


def test_a_chosen_line_that_did_not_change() -> None:
    with pytest.raises(SnippetError) as raised:
        read(CHANGED, Options(emphasize_lines="1-2, 6"))

    assert str(raised.value).startswith(
        "02_greet_01.py: :emphasize-lines: 1-2, 6 highlights line(s) 1-2, which "
        "did not change since the previous version of src/greet.py (changed: 5-6)."
    )


def test_a_chosen_range_beyond_the_snippet() -> None:
    with pytest.raises(SnippetError, match=r"'7-9' is not within lines 1-6"):
        read(CHANGED, Options(emphasize_lines="7-9"))


def test_a_chosen_range_within_the_part_shown() -> None:
    with pytest.raises(SnippetError, match=r"'3' is not within lines 1-2"):
        read(CHANGED, Options(pyobject="shout", emphasize_lines="3"))


def test_a_diff_against_the_previous_version() -> None:
    shown = read(CHANGED, Options(diff=True))

    assert shown.diff
    assert shown.language == "diff"
    assert shown.highlighted == ()
    assert shown.text.startswith("--- a/src/greet.py\n+++ b/src/greet.py\n")
    assert "+def shout(name: str) -> str:\n" in shown.text


def test_a_diff_of_a_new_file() -> None:
    with pytest.raises(SnippetError, match=r"creates src/greet\.py, so there is no"):
        read(NEW, Options(diff=True))


def test_a_diff_with_other_options() -> None:
    with pytest.raises(SnippetError, match="drop the other options"):
        read(CHANGED, Options(diff=True, pyobject="shout"))


def test_the_versions_of_a_snippet_in_the_book(sample: SampleBook) -> None:
    chapters = sample.load()

    new = find_versions(chapters, chapters[0], "01_greet_02.py")
    changed = find_versions(chapters, chapters[1], "02_greet_01.py")

    # Final in its own chapter: the zip of chapter 01 holds it.
    assert (new.target, new.step, new.previous, new.final) == (
        "src/greet.py",
        1,
        None,
        True,
    )
    assert (changed.step, changed.previous, changed.current, changed.final) == (
        2,
        GREET,
        GREET_AND_SHOUT,
        True,
    )


def test_a_version_that_a_later_step_replaces(sample: SampleBook) -> None:
    sample.write("02-second/03_greet_01.py", GREET_AND_SHOUT + "\n\nLOUD = True\n")
    sample.replace(
        "02-second/chapter.toml",
        '"02_greet_01.py" = "src/greet.py"\n',
        '"02_greet_01.py" = "src/greet.py"\n\n[[step]]\nrun = "pytest"\n'
        'expect = "pass"\n[step.files]\n'
        '"03_greet_01.py" = "src/greet.py"\n',
    )
    chapters = sample.load()

    replaced = find_versions(chapters, chapters[1], "02_greet_01.py")
    last = find_versions(chapters, chapters[1], "03_greet_01.py")

    assert (replaced.final, last.final) == (False, True)
    assert last.previous == GREET_AND_SHOUT


def test_a_snippet_the_manifest_does_not_list(sample: SampleBook) -> None:
    chapters = sample.load()

    with pytest.raises(SnippetError, match=r"no step writes the snippet '02_x_01\.py'"):
        find_versions(chapters, chapters[1], "02_x_01.py")


def test_line_specs() -> None:
    assert parse_line_spec("1-3, 5", 5) == {1, 2, 3, 5}
    with pytest.raises(ValueError, match="'4-2' is not within lines 1-5"):
        parse_line_spec("4-2", 5)
    with pytest.raises(ValueError, match="invalid literal"):
        parse_line_spec("two", 5)


def test_the_language_comes_from_the_target() -> None:
    assert language_of("src/greet.py") == "python"
    assert language_of("pyproject.toml") == "toml"
    assert language_of("notes.unknown-extension") == "text"


def test_a_language_chosen_on_the_page_wins_over_the_target_s() -> None:
    # Pygments' Procfile lexer fails on "%" and "@", which Procfiles hold.
    shown = read(replace(NEW, target="Procfile"), Options(language="shell"))

    assert shown.language == "shell"
    assert read(replace(NEW, target="Procfile"), Options()).language == "procfile"
