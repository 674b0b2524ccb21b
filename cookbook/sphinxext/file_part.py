"""The part of a snippet file a page shows: one Python object, or the lines
between two marker comments.

A part is found by name, never by line numbers, so that it follows the code
when a snippet is edited. The functions work on the file's text alone: the
part's first line number comes with it, and the directive needs it to
highlight the lines that changed.
"""

import ast
from dataclasses import dataclass

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


@dataclass(frozen=True)
class Part:
    """Lines of a file, each with its line ending, and where they start."""

    lines: tuple[str, ...]
    first: int  # the number of the first line in the file, from 1

    @property
    def text(self) -> str:
        return "".join(self.lines)


def select_part(
    text: str,
    *,
    pyobject: str | None = None,
    start_after: str | None = None,
    end_before: str | None = None,
) -> Part:
    """The object named ``pyobject``, then within it (or within the whole
    file) the lines after the first one that holds ``start_after`` and before
    the first one after it that holds ``end_before``.

    A ValueError says what was not found, or that nothing is left.
    """
    lines = text.splitlines(keepends=True)
    start, end = 0, len(lines)  # the part is lines[start:end]
    if pyobject is not None:
        start, end = object_lines(text, pyobject)
    if start_after is not None:
        start = _marker_line(lines, start, end, start_after, ":start-after:") + 1
    if end_before is not None:
        end = _marker_line(lines, start, end, end_before, ":end-before:")
    if not any(line.strip() for line in lines[start:end]):
        raise ValueError("the selected part is empty.")
    # Blank lines around a part show as a gap in the page and are copied
    # with it: leave them out.
    while not lines[start].strip():
        start += 1
    while not lines[end - 1].strip():
        end -= 1
    return Part(tuple(lines[start:end]), start + 1)


def object_lines(source: str, name: str) -> tuple[int, int]:
    """Where the function or class ``name`` (``Class.method`` for a method)
    is: the slice of the file's lines from its first decorator to its last
    line.

    When a name is defined twice, the last definition counts, as it does
    when Python runs the module.
    """
    try:
        body = ast.parse(source).body
    except SyntaxError as error:
        raise ValueError(
            f":pyobject: needs Python, and the file does not parse "
            f"({error.msg}, line {error.lineno})."
        ) from None
    found: Definition | None = None
    for part in name.split("."):
        matches = [
            node for node in body if isinstance(node, Definition) and node.name == part
        ]
        if not matches:
            raise ValueError(f":pyobject: {name}: no function or class of that name.")
        found = matches[-1]
        body = found.body
    assert found is not None and found.end_lineno is not None
    first = min([found.lineno, *(d.lineno for d in found.decorator_list)])
    return first - 1, found.end_lineno


def _marker_line(
    lines: list[str], start: int, end: int, marker: str, option: str
) -> int:
    for index in range(start, end):
        if marker in lines[index]:
            return index
    raise ValueError(f"no line holds the {option} marker {marker!r}.")
