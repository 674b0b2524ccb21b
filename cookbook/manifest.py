"""Read and validate chapter folders and their manifests (``chapter.toml``).

Everything here is checked up front, so that a writer's mistake stops the
run with a message naming the file and what to do, before any step runs.
"""

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from cookbook.errors import CookbookError

MANIFEST = "chapter.toml"
PAGE = "index.rst"
TRANSCRIPTS = "transcripts"

CHAPTER_FOLDER = re.compile(r"^(?P<number>\d{2})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)$")
SNIPPET_NAME = re.compile(
    r"^(?P<step>\d{2})_(?P<slug>[a-z0-9]+(?:_[a-z0-9]+)*)_(?P<position>\d{2})"
    r"(?P<suffix>\.[A-Za-z0-9]+)*$"
)
TRANSCRIPT_NAME = re.compile(r"^step-(?P<step>\d{2})\.txt$")

CHAPTER_KEYS = {"title", "step"}
STEP_KEYS = {"files", "delete", "run", "expect"}
OUTCOMES = ("pass", "fail")

Outcome = Literal["pass", "fail"]


@dataclass(frozen=True)
class SnippetWrite:
    """One snippet file written to one path of the project."""

    source: Path
    target: PurePosixPath

    @property
    def name(self) -> str:
        return self.source.name


@dataclass(frozen=True)
class Step:
    """One step of a chapter: files written and deleted, then a command."""

    number: int
    writes: tuple[SnippetWrite, ...]
    deletes: tuple[PurePosixPath, ...]
    command: str | None
    expect: Outcome | None

    @property
    def transcript_name(self) -> str:
        return f"step-{self.number:02d}.txt"


@dataclass(frozen=True)
class Chapter:
    """A chapter folder: its manifest, read and checked."""

    number: int
    slug: str
    folder: Path
    title: str
    steps: tuple[Step, ...]

    @property
    def label(self) -> str:
        """The two-digit number, as in ``nox -s chapter-03``."""
        return f"{self.number:02d}"

    @property
    def manifest(self) -> Path:
        return self.folder / MANIFEST

    @property
    def page(self) -> Path:
        return self.folder / PAGE

    def transcript_path(self, step: Step) -> Path:
        return self.folder / TRANSCRIPTS / step.transcript_name

    def step(self, number: int) -> Step:
        if not 1 <= number <= len(self.steps):
            raise CookbookError(
                self.manifest,
                f"there is no step {number}: the chapter has steps 1 to "
                f"{len(self.steps)}.",
            )
        return self.steps[number - 1]

    def find_snippet(self, name: str) -> tuple[Step, SnippetWrite]:
        for step in self.steps:
            for write in step.writes:
                if write.name == name:
                    return step, write
        raise CookbookError(
            self.manifest,
            f"no step writes the snippet {name!r}: check the name, or add it "
            "to a step's [step.files].",
        )


def load_chapters(chapters_dir: Path) -> tuple[Chapter, ...]:
    """Every chapter folder, checked, in order of their numbers."""
    if not chapters_dir.is_dir():
        return ()
    chapters = sorted(
        (
            load_chapter(folder)
            for folder in chapters_dir.iterdir()
            if _is_chapter(folder)
        ),
        key=lambda chapter: chapter.number,
    )
    for expected, chapter in enumerate(chapters, start=1):
        if chapter.number != expected:
            raise CookbookError(
                chapter.folder,
                f"expected chapter {expected:02d} here: chapter numbers start at "
                "01 and follow one another, because each chapter continues "
                "from the end of the previous one.",
            )
    return tuple(chapters)


def _is_chapter(path: Path) -> bool:
    if not path.is_dir() or path.name.startswith((".", "_")):
        return False
    if CHAPTER_FOLDER.match(path.name):
        return True
    raise CookbookError(
        path,
        "not a chapter folder name: use two digits, a dash and a lower-case "
        "slug, such as '04-service-handler'.",
    )


def load_chapter(folder: Path) -> Chapter:
    """Read one chapter folder and check its manifest against its files."""
    match = CHAPTER_FOLDER.match(folder.name)
    if match is None:
        raise CookbookError(
            folder, "not a chapter folder name (such as '04-service-handler')."
        )
    manifest = folder / MANIFEST
    data = _read_toml(manifest)
    _reject_unknown_keys(manifest, data, CHAPTER_KEYS, "the manifest")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise CookbookError(manifest, 'set a non-empty title = "..." at the top.')
    raw_steps = data.get("step")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise CookbookError(manifest, "add at least one [[step]].")
    steps = tuple(
        _parse_step(manifest, number, raw)
        for number, raw in enumerate(raw_steps, start=1)
    )
    chapter = Chapter(
        number=int(match["number"]),
        slug=match["slug"],
        folder=folder,
        title=title.strip(),
        steps=steps,
    )
    _check_ends_green(chapter)
    _check_snippet_files(chapter)
    _check_transcript_files(chapter)
    return chapter


def _read_toml(manifest: Path) -> dict[str, object]:
    if not manifest.is_file():
        raise CookbookError(manifest, "missing: every chapter folder needs a manifest.")
    try:
        return tomllib.loads(manifest.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise CookbookError(manifest, f"not valid TOML: {error}.") from None


def _reject_unknown_keys(
    manifest: Path, table: dict[str, object], known: set[str], where: str
) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise CookbookError(
            manifest,
            f"unknown key {unknown[0]!r} in {where}; the known keys are "
            f"{', '.join(sorted(known))}.",
        )


def _parse_step(manifest: Path, number: int, raw: object) -> Step:
    where = f"step {number}"
    if not isinstance(raw, dict):
        raise CookbookError(manifest, f"{where} must be a [[step]] table.")
    _reject_unknown_keys(manifest, raw, STEP_KEYS, where)
    writes = _parse_writes(manifest, number, raw.get("files", {}))
    deletes = _parse_deletes(manifest, where, raw.get("delete", []))
    command, expect = _parse_command(manifest, where, raw.get("run"), raw.get("expect"))
    if not writes and not deletes and command is None:
        raise CookbookError(
            manifest, f"{where} does nothing: give it files, delete or run."
        )
    written = {write.target for write in writes}
    for target in deletes:
        if target in written:
            raise CookbookError(
                manifest, f"{where} both writes and deletes {target}: keep one."
            )
    return Step(number, writes, deletes, command, expect)


def _parse_writes(
    manifest: Path, step_number: int, raw: object
) -> tuple[SnippetWrite, ...]:
    where = f"step {step_number}"
    if not isinstance(raw, dict):
        raise CookbookError(
            manifest, f'{where}: files must be a table of snippet = "target path".'
        )
    writes: list[SnippetWrite] = []
    targets: set[PurePosixPath] = set()
    for name, target in raw.items():
        source = manifest.parent / name
        _check_snippet_name(manifest, step_number, name)
        if not source.is_file():
            raise CookbookError(
                source,
                f"listed in {where} of {manifest.name} but missing: create the "
                "file or remove it from the manifest.",
            )
        if not isinstance(target, str):
            raise CookbookError(
                manifest, f"{where}: the target of {name} must be a string."
            )
        path = parse_target(manifest, where, target)
        if path in targets:
            raise CookbookError(manifest, f"{where} writes {path} twice.")
        targets.add(path)
        writes.append(SnippetWrite(source, path))
    return tuple(writes)


def _check_snippet_name(manifest: Path, step_number: int, name: str) -> None:
    match = SNIPPET_NAME.match(name)
    if match is None:
        raise CookbookError(
            manifest.parent / name,
            "snippet names follow NN_slug_MM.ext: the step number, a lower-case "
            "slug, the position in the step (for example 02_handlers_01.py).",
        )
    if int(match["step"]) != step_number:
        raise CookbookError(
            manifest.parent / name,
            f"written by step {step_number}, so its name must start with "
            f"{step_number:02d}_ (rename it, and update {manifest.name}).",
        )


def parse_target(manifest: Path, where: str, target: str) -> PurePosixPath:
    """A target path, which must stay inside the project."""
    path = PurePosixPath(target)
    if (
        not target
        or "\\" in target
        or path.is_absolute()
        or ".." in path.parts
        or str(path) != target
    ):
        raise CookbookError(
            manifest,
            f"{where}: {target!r} is not a path inside the project; use a "
            "relative path such as 'src/reading_club/model.py'.",
        )
    return path


def _parse_deletes(
    manifest: Path, where: str, raw: object
) -> tuple[PurePosixPath, ...]:
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise CookbookError(
            manifest, f"{where}: delete must be a list of target paths."
        )
    return tuple(parse_target(manifest, where, item) for item in raw)


def _parse_command(
    manifest: Path, where: str, run: object, expect: object
) -> tuple[str | None, Outcome | None]:
    if run is None:
        if expect is not None:
            raise CookbookError(manifest, f"{where} has expect but no run command.")
        return None, None
    if not isinstance(run, str) or not run.strip():
        raise CookbookError(manifest, f"{where}: run must be a command line.")
    if expect not in OUTCOMES:
        raise CookbookError(
            manifest,
            f'{where}: say what the command should do with expect = "pass" '
            'or expect = "fail".',
        )
    outcome: Outcome = "pass" if expect == "pass" else "fail"
    return run.strip(), outcome


def _check_ends_green(chapter: Chapter) -> None:
    last = chapter.steps[-1]
    if last.command is None or last.expect != "pass":
        raise CookbookError(
            chapter.manifest,
            f"the last step (step {last.number}) must run a command with "
            'expect = "pass": every chapter ends in a green state.',
        )


def _check_snippet_files(chapter: Chapter) -> None:
    used: dict[tuple[str, str], Path] = {}
    names = {write.name for step in chapter.steps for write in step.writes}
    for path in sorted(chapter.folder.iterdir()):
        if path.name in {MANIFEST, PAGE, TRANSCRIPTS} or path.name.startswith(
            (".", "__")
        ):
            continue
        if path.name not in names:
            raise CookbookError(
                path,
                f"no step of {MANIFEST} uses this file: add it to a step's "
                "[step.files], or delete it.",
            )
        match = SNIPPET_NAME.match(path.name)
        assert match is not None  # checked when the manifest was parsed
        key = (match["step"], match["position"])
        if key in used:
            raise CookbookError(
                path,
                f"same step and position numbers as {used[key].name}: give each "
                "snippet of a step its own position (01, 02, ...).",
            )
        used[key] = path


def _check_transcript_files(chapter: Chapter) -> None:
    folder = chapter.folder / TRANSCRIPTS
    if not folder.is_dir():
        return
    with_command = {step.transcript_name for step in chapter.steps if step.command}
    for path in sorted(folder.iterdir()):
        if path.name not in with_command:
            raise CookbookError(
                path,
                "no step with a run command records this transcript: delete it "
                "(re-record with --record after renumbering steps).",
            )
