"""The page directives, through real Sphinx builds of the sample book.

What a snippet shows (its part, its highlighted lines, its diff) is decided
without a build and tested in test_snippet_reader.py and test_file_part.py;
these tests check that the pages get it, and that errors name the page.
"""

import re
import zipfile

from conftest import Build, SampleBook, build


def show_greet_with(book: SampleBook, option: str) -> None:
    """Give the second chapter's ``.. snippet:: 02_greet_01.py`` an option."""
    directive = ".. snippet:: 02_greet_01.py"
    book.replace("02-second/index.rst", directive, f"{directive}\n   {option}")


def page_fails_to_build(book: SampleBook) -> str:
    """Build the book, expecting a failure; what Sphinx printed."""
    result = build(book)
    assert result.returncode != 0, "the build passed"
    return result.output


def code_blocks(page: str) -> list[str]:
    return re.findall(r'<div class="literal-block-wrapper ([^"]*)"', page)


def test_snippets_are_captioned_with_their_target(built: Build) -> None:
    page = built.page("02-second")

    captions = re.findall(r'<span class="caption-text">([^<]*)</span>', page)
    assert captions == [
        "tests/test_shout.py",
        "Step 1: expected to fail, and verified to fail",
        "src/greet.py",
        "Step 2: expected to pass, and verified to pass",
    ]


def test_changed_lines_are_highlighted(built: Build) -> None:
    page = built.page("02-second")

    highlighted = re.findall(r"<span class=\"hll\">(.*?)\n</span>", page, re.DOTALL)
    text = " ".join(re.sub(r"<[^>]+>", "", line) for line in highlighted)
    assert "def shout(name: str) -&gt; str:" in text
    assert "return greet(name).upper()" in text
    assert "Hello" not in text  # unchanged lines stay plain


def test_new_files_are_not_highlighted(built: Build) -> None:
    assert '<span class="hll">' not in built.page("01-first")


def test_transcripts_are_marked_with_their_outcome(built: Build) -> None:
    classes = code_blocks(built.page("02-second"))

    assert any("transcript-fail" in item for item in classes)
    assert any("transcript-pass" in item for item in classes)


def test_the_download_is_the_end_state(built: Build) -> None:
    archive = built.html / "downloads" / "reading-club-02-second.zip"

    with zipfile.ZipFile(archive) as opened:
        names = sorted(opened.namelist())
        greet = opened.read("reading-club-02-second/src/greet.py").decode()

    assert names == [
        "reading-club-02-second/pyproject.toml",
        "reading-club-02-second/src/greet.py",
        "reading-club-02-second/tests/test_greet.py",
        "reading-club-02-second/tests/test_shout.py",
    ]
    assert "def shout" in greet
    assert 'href="../../downloads/reading-club-02-second.zip"' in built.page(
        "02-second"
    )


def test_the_page_lists_the_files_the_chapter_changed(built: Build) -> None:
    page = built.page("02-second")

    assert "Added in this chapter:" in page
    assert "Changed in this chapter:" in page
    assert "Removed in this chapter:" not in page


def test_a_diff_names_project_paths(recorded: SampleBook) -> None:
    show_greet_with(recorded, ":diff:")

    result = build(recorded)

    assert result.returncode == 0, result.output
    page = result.page("02-second")
    assert "a/src/greet.py" in page
    assert str(recorded.root) not in page


def test_a_highlighted_range_that_no_longer_matches(recorded: SampleBook) -> None:
    show_greet_with(recorded, ":emphasize-lines: 1-2")

    output = page_fails_to_build(recorded)

    assert "02-second/index.rst:" in output
    assert "02_greet_01.py: :emphasize-lines: 1-2 highlights line(s) 1-2" in output


def test_a_snippet_the_page_shows_is_deleted(recorded: SampleBook) -> None:
    recorded.path("02-second/02_greet_01.py").unlink()

    output = page_fails_to_build(recorded)

    assert (
        "02-second/02_greet_01.py: listed in step 2 of chapter.toml but missing"
        in output
    )


def test_a_snippet_missing_from_the_page(recorded: SampleBook) -> None:
    recorded.replace("02-second/index.rst", ".. snippet:: 02_greet_01.py", "")

    output = page_fails_to_build(recorded)

    assert (
        "02-second/index.rst: the page does not show snippet 02_greet_01.py" in output
    )


def test_a_transcript_missing_from_the_page(recorded: SampleBook) -> None:
    recorded.replace("02-second/index.rst", ".. transcript:: 1", "")

    output = page_fails_to_build(recorded)

    assert "does not show the output of step 1" in output


def test_a_transcript_not_recorded(sample: SampleBook) -> None:
    output = page_fails_to_build(sample)

    assert "transcripts/step-02.txt is not recorded yet" in output


def test_a_snippet_name_the_manifest_does_not_know(recorded: SampleBook) -> None:
    recorded.replace("01-first/index.rst", "01_greet_02.py", "01_greeting_02.py")

    output = page_fails_to_build(recorded)

    assert "no step writes the snippet '01_greeting_02.py'" in output


def test_part_of_a_file_by_pyobject(recorded: SampleBook) -> None:
    show_greet_with(recorded, ":pyobject: shout")

    result = build(recorded)

    assert result.returncode == 0, result.output
    page = result.page("02-second")
    block = page.split("src/greet.py")[1].split("</pre>")[0]
    assert "shout" in block
    assert "Hello" not in block
    assert '<span class="hll">' in block
    assert any("snippet-partial" in classes for classes in code_blocks(page))


def add_before_the_greet_snippet(book: SampleBook, text: str) -> None:
    directive = ".. snippet:: 02_greet_01.py"
    book.replace("02-second/index.rst", directive, f"{text}\n\n{directive}")


def test_a_diagram_is_drawn_as_svg_in_the_page(recorded: SampleBook) -> None:
    add_before_the_greet_snippet(
        recorded, ".. diagram:: The club and its broker\n\n   club --> broker"
    )

    page = build(recorded).page("02-second")

    [figure] = re.findall(r'<figure class="diagram".*?</figure>', page, re.DOTALL)
    assert "<svg" in figure
    assert "broker" in figure
    assert "<figcaption>The club and its broker</figcaption>" in figure


def test_a_diagram_without_a_drawing(recorded: SampleBook) -> None:
    add_before_the_greet_snippet(recorded, ".. diagram:: Empty")

    output = page_fails_to_build(recorded)

    assert "draw the diagram in the directive's content" in output
