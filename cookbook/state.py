"""Assemble the project state at any step of any chapter.

State(N, k) is State(N, k-1) with step k's writes and deletes applied, and
State(N, 0) is the end of chapter N-1. A state maps each target path of the
project to the snippet file that holds its content. It is a pure function of
the manifests; writing it to a folder is a separate, explicit operation.
"""

import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cookbook.errors import CookbookError
from cookbook.manifest import Chapter, Step

State = dict[PurePosixPath, Path]


def apply_step(state: State, chapter: Chapter, step: Step) -> State:
    """The state after ``step``, from the state before it."""
    after = dict(state)
    for target in step.deletes:
        if target not in after:
            raise CookbookError(
                chapter.manifest,
                f"step {step.number} deletes {target}, which does not exist at "
                "that point: remove it from delete.",
            )
        del after[target]
    for write in step.writes:
        after[write.target] = write.source
    return after


def state_at(
    chapters: tuple[Chapter, ...], number: int, step: int | None = None
) -> State:
    """The state of chapter ``number`` after ``step`` (None: its last step)."""
    chapter = find_chapter(chapters, number)
    last = len(chapter.steps) if step is None else step
    if not 0 <= last <= len(chapter.steps):
        raise CookbookError(
            chapter.manifest,
            f"there is no step {last}: the chapter has steps 0 to "
            f"{len(chapter.steps)} (0 is the end of the previous chapter).",
        )
    state: State = {}
    for earlier in chapters:
        if earlier.number == number:
            break
        for earlier_step in earlier.steps:
            state = apply_step(state, earlier, earlier_step)
    for chapter_step in chapter.steps[:last]:
        state = apply_step(state, chapter, chapter_step)
    return state


def find_chapter(chapters: tuple[Chapter, ...], number: int) -> Chapter:
    for chapter in chapters:
        if chapter.number == number:
            return chapter
    raise CookbookError(
        chapters[0].folder.parent if chapters else Path("chapters"),
        f"there is no chapter {number:02d}; the chapters are "
        f"{', '.join(chapter.label for chapter in chapters)}.",
    )


def write_state(state: State, destination: Path) -> None:
    """Write ``state`` to ``destination``, replacing whatever was there."""
    if destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    for target, source in sorted(state.items()):
        path = destination.joinpath(*target.parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, path)


@dataclass(frozen=True)
class ChapterChanges:
    """What a chapter did to the project, file by file."""

    added: tuple[PurePosixPath, ...]
    changed: tuple[PurePosixPath, ...]
    removed: tuple[PurePosixPath, ...]


def chapter_changes(chapters: tuple[Chapter, ...], number: int) -> ChapterChanges:
    """Compare the end of chapter ``number`` with the end of the previous one."""
    before = state_at(chapters, number, 0)
    after = state_at(chapters, number)
    return ChapterChanges(
        added=tuple(sorted(set(after) - set(before))),
        changed=tuple(
            sorted(
                target
                for target in set(after) & set(before)
                if after[target].read_bytes() != before[target].read_bytes()
            )
        ),
        removed=tuple(sorted(set(before) - set(after))),
    )
