"""Which lines of a file changed since its previous version, and the diff.

Pure functions over text, used by the page directives: a snippet highlights
the lines that changed since the previous version of the same target, or
shows the change as a unified diff with paths relative to the project.
"""

import difflib
from collections.abc import Sequence


def changed_lines(previous: str | None, current: str) -> frozenset[int]:
    """1-based numbers of the lines of ``current`` that are new or changed.

    Every line counts as changed in a file that had no previous version.
    """
    current_lines = current.splitlines()
    if previous is None:
        return frozenset(range(1, len(current_lines) + 1))
    matcher = difflib.SequenceMatcher(
        a=previous.splitlines(), b=current_lines, autojunk=False
    )
    changed: set[int] = set()
    for tag, _, _, first, last in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            changed.update(range(first + 1, last + 1))
    return frozenset(changed)


def locate(excerpt: Sequence[str], lines: Sequence[str]) -> int | None:
    """Index in ``lines`` where the contiguous ``excerpt`` starts, if it does."""
    size = len(excerpt)
    for start in range(len(lines) - size + 1):
        if list(lines[start : start + size]) == list(excerpt):
            return start
    return None


def unified_diff(previous: str | None, current: str, target: str) -> str:
    """A unified diff from the previous version to ``current``.

    The headers name the target path inside the project (``a/…``, ``b/…``),
    never a path of the machine that built the page.
    """
    before = (previous or "").splitlines(keepends=True)
    after = current.splitlines(keepends=True)
    return "".join(
        difflib.unified_diff(
            before,
            after,
            fromfile=f"a/{target}" if previous is not None else "/dev/null",
            tofile=f"b/{target}",
        )
    )


def format_ranges(numbers: frozenset[int] | set[int]) -> str:
    """``{1, 2, 3, 7}`` as ``1-3, 7``, the way literalinclude writes them."""
    ranges: list[str] = []
    for number in sorted(numbers):
        if ranges and ranges[-1].split("-")[-1] == str(number - 1):
            ranges[-1] = f"{ranges[-1].split('-')[0]}-{number}"
        else:
            ranges.append(str(number))
    return ", ".join(ranges)
