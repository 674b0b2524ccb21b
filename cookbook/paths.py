"""Where things live in the repository."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CHAPTERS_DIR = REPO_ROOT / "chapters"
BUILD_DIR = REPO_ROOT / "build"
STATES_DIR = BUILD_DIR / "states"
DOWNLOADS_DIR = BUILD_DIR / "downloads"


def display(path: Path) -> str:
    """A path relative to the repository when it is inside, for messages."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
