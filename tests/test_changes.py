"""Changed lines, excerpts and diffs, as the page shows them."""

from cookbook.changes import changed_lines, format_ranges, locate, unified_diff

BEFORE = "a = 1\nb = 2\nc = 3\n"
AFTER = "a = 1\nb = 20\nc = 3\nd = 4\n"


def test_changed_and_added_lines() -> None:
    assert changed_lines(BEFORE, AFTER) == {2, 4}


def test_every_line_of_a_new_file_is_changed() -> None:
    assert changed_lines(None, AFTER) == {1, 2, 3, 4}


def test_removed_lines_change_nothing_that_is_shown() -> None:
    assert changed_lines(AFTER, "a = 1\nc = 3\n") == set()


def test_locate_an_excerpt() -> None:
    lines = AFTER.splitlines()

    assert locate(["c = 3", "d = 4"], lines) == 2
    assert locate(["c = 3", "e = 5"], lines) is None


def test_diff_headers_name_project_paths() -> None:
    diff = unified_diff(BEFORE, AFTER, "src/reading_club/model.py")

    assert diff.startswith(
        "--- a/src/reading_club/model.py\n+++ b/src/reading_club/model.py\n"
    )
    assert "-b = 2\n+b = 20\n" in diff


def test_format_ranges() -> None:
    assert format_ranges({1, 2, 3, 7, 9, 10}) == "1-3, 7, 9-10"
    assert format_ranges(set()) == ""
