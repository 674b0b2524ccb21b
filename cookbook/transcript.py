"""Recorded transcripts: the command and the output a step printed.

A transcript file starts with the command line after ``$ ``, followed by the
output exactly as the recording run printed it, machine paths anonymised.
"""

import difflib
from dataclasses import dataclass
from pathlib import Path

from cookbook.normalise import normalise

PROMPT = "$ "


@dataclass(frozen=True)
class Transcript:
    command: str
    output: str

    def render(self) -> str:
        output = self.output.rstrip("\n")
        return (
            f"{PROMPT}{self.command}\n{output}\n"
            if output
            else f"{PROMPT}{self.command}\n"
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.render(), encoding="utf-8")


def load(path: Path) -> Transcript | None:
    """The transcript at ``path``, or None when it was never recorded."""
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    first, _, output = text.partition("\n")
    if not first.startswith(PROMPT):
        return Transcript(command="", output=text)
    return Transcript(command=first.removeprefix(PROMPT), output=output)


def difference(recorded: Transcript, actual: Transcript, name: str) -> str:
    """A unified diff of the normalised transcripts; empty when they match."""
    expected_lines = normalise(recorded.render()).splitlines(keepends=True)
    actual_lines = normalise(actual.render()).splitlines(keepends=True)
    return "".join(
        difflib.unified_diff(
            expected_lines,
            actual_lines,
            fromfile=f"{name} (recorded)",
            tofile=f"{name} (this run)",
        )
    )
