"""The two git commands the writer's tools need: read a file at a revision,
and merge one change into another file (``git merge-file``)."""

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cookbook.errors import CookbookError


def show(path: Path, revision: str) -> str:
    """The content of ``path`` as committed at ``revision``."""
    completed = _git(["show", f"{revision}:./{path.name}"], cwd=path.resolve().parent)
    if completed.returncode != 0:
        reason = _text(completed.stderr).strip().splitlines()
        raise CookbookError(
            path,
            f"cannot read it at {revision} ({reason[-1] if reason else 'git failed'})"
            ": commit the file before editing it, or name with --from a revision "
            "where it exists.",
        )
    return _text(completed.stdout)


@dataclass(frozen=True)
class Merge:
    """The text ``git merge-file`` produced, and how many conflicts it has."""

    text: str
    conflicts: int


def merge_file(
    current: Path, base: str, other: str, labels: tuple[str, str, str]
) -> Merge:
    """Apply the change from ``base`` to ``other`` onto ``current``'s content.

    Nothing is written: the merged text (with diff3 conflict markers, if any)
    is returned.
    """
    with tempfile.TemporaryDirectory(prefix="cookbook-merge-") as folder:
        base_file, other_file = Path(folder, "base"), Path(folder, "other")
        base_file.write_bytes(base.encode("utf-8"))
        other_file.write_bytes(other.encode("utf-8"))
        label_options = [option for label in labels for option in ("-L", label)]
        completed = _git(
            [
                "merge-file",
                "-p",
                "--diff3",
                *label_options,
                str(current.resolve()),
                str(base_file),
                str(other_file),
            ],
            cwd=Path(folder),
        )
    # The exit code is the number of conflicts (at most 127), negative on error.
    if not 0 <= completed.returncode <= 127:
        raise CookbookError(
            current, f"git merge-file failed: {_text(completed.stderr).strip()}"
        )
    return Merge(_text(completed.stdout), completed.returncode)


def _git(arguments: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *arguments], cwd=cwd, capture_output=True, check=False
        )
    except FileNotFoundError:
        raise CookbookError(cwd, "git is not installed or not on the PATH.") from None


def _text(output: bytes) -> str:
    """git's output as text, line endings kept as they are in the file."""
    return output.decode("utf-8")
