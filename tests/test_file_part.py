"""The part of a snippet file a page shows, found by name, never by number."""

import pytest

from cookbook.sphinxext.file_part import object_lines, select_part

MODULE = """\
import pytest


@pytest.fixture
def bus() -> str:
    return "bus"


class Store:
    # the index comes first
    def add(self, item: str) -> None:
        self.items.append(item)

    async def take(self) -> str:
        return self.items.pop()


def bus() -> int:  # the second definition is the one Python keeps
    return 2
"""


def test_a_class() -> None:
    part = select_part(MODULE, pyobject="Store")

    assert part.first == 9
    assert part.lines[0] == "class Store:\n"
    assert part.lines[-1] == "        return self.items.pop()\n"


def test_a_decorated_function_starts_at_its_decorator() -> None:
    start, end = object_lines(MODULE.replace("def bus() -> int", "def other()"), "bus")

    assert (start, end) == (3, 6)  # lines 4 to 6: the decorator and the function


def test_a_method_by_its_dotted_name() -> None:
    part = select_part(MODULE, pyobject="Store.take")

    assert part.text == (
        "    async def take(self) -> str:\n        return self.items.pop()\n"
    )
    assert part.first == 14


def test_the_last_of_two_definitions() -> None:
    part = select_part(MODULE, pyobject="bus")

    assert part.first == 18
    assert "return 2" in part.text


def test_an_object_the_file_does_not_define() -> None:
    with pytest.raises(ValueError, match=r"Store\.remove: no function or class"):
        select_part(MODULE, pyobject="Store.remove")


def test_pyobject_in_a_file_that_is_not_python() -> None:
    toml = '[project]\nname = "greeter"\nrequires-python = ">=3.11"\n'

    with pytest.raises(ValueError, match=r"does not parse \(.*, line 3\)"):
        select_part(toml, pyobject="project")


def test_between_markers() -> None:
    part = select_part(MODULE, start_after="class Store", end_before="async def")

    assert part.first == 10
    assert part.lines == (
        "    # the index comes first\n",
        "    def add(self, item: str) -> None:\n",
        "        self.items.append(item)\n",
    )


def test_the_blank_lines_around_a_part_are_left_out() -> None:
    # Shown, they make a gap in the page; copied, they come along.
    part = select_part(MODULE, start_after='return "bus"', end_before="# the index")

    assert part.first == 9
    assert part.lines == ("class Store:\n",)


def test_markers_within_an_object() -> None:
    # The first "def bus" is another function: the marker is looked for in
    # the object only.
    part = select_part(MODULE, pyobject="bus", start_after="def bus")

    assert part.first == 19
    assert part.text == "    return 2\n"


def test_a_marker_the_file_does_not_hold() -> None:
    with pytest.raises(ValueError, match="no line holds the :end-before: marker"):
        select_part(MODULE, start_after="class Store", end_before="import pytest")


def test_a_part_with_nothing_in_it() -> None:
    with pytest.raises(ValueError, match="the selected part is empty"):
        select_part(MODULE, start_after="import pytest", end_before="@pytest")


def test_no_option_is_the_whole_file() -> None:
    part = select_part(MODULE)

    assert part.text == MODULE
    assert part.first == 1
