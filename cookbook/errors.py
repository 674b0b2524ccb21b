"""The one exception type the machinery raises for a writer's mistake."""

from pathlib import Path

from cookbook.paths import display


class CookbookError(Exception):
    """A problem in a chapter that the writer must fix.

    The message names the file and says what to do about it.
    """

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{display(self.path)}: {problem}")
