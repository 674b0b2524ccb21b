"""Zip a project state the way a reader downloads it.

The archive is reproducible: entries are sorted and carry a fixed date, so
the same state always gives the same bytes (and the site does not rebuild a
page only because a zip was written again).
"""

import io
import zipfile
from pathlib import Path

from cookbook.manifest import Chapter
from cookbook.state import State

FIXED_DATE = (2024, 1, 1, 0, 0, 0)


def top_folder(chapter: Chapter) -> str:
    return f"reading-club-{chapter.label}-{chapter.slug}"


def zip_bytes(state: State, folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for target, source in sorted(state.items()):
            entry = zipfile.ZipInfo(f"{folder}/{target}", date_time=FIXED_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, source.read_bytes())
    return buffer.getvalue()


def write_zip(state: State, destination: Path, folder: str) -> bool:
    """Write the archive unless an identical one is there; True if written."""
    content = zip_bytes(state, folder)
    if destination.is_file() and destination.read_bytes() == content:
        return False
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(content)
    return True
