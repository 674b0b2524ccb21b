"""Chapters as pytest tests: ``pytest chapters/04-service-handler``.

The root ``conftest.py`` loads this plugin. A chapter folder is collected as
its manifest, and the manifest as one test item per step that runs a
command, named ``step-NN``. So pytest's own tools work on a chapter: ``-k``
picks steps, ``--lf`` reruns the ones that failed, ``-x`` stops at the first,
``--junitxml`` writes a report for CI, and a drifted transcript shows as a
unified diff in the failure report.

The step runner's guarantees are kept: every selected step is handed to the
runner's pool of threads as soon as the first one is about to run, each to
run in its own folder under ``build/states/`` and its own process; each item
then waits for its own step and checks it.

A step whose recorded transcript shows an id or a time is verified with the
wall clock of its processes moved seven months ahead (``cookbook.clock``),
against its recording; the summary of the steps marks it ``@clock+213d``,
and its item keeps the name ``step-NN``. It proves that the transcript does
not age; a second run at today's time would prove nothing more, since the
recording was made on another day anyway. ``--record`` runs every step at
today's time, and so does ``--clock-offset=none``.

Options (also after ``--`` in ``nox -s chapter-NN``): ``--record`` re-records
the transcripts, ``--step N`` verifies up to step N only, ``--jobs N`` runs at
most N steps at once (default: ``COOKBOOK_STEP_JOBS`` if set, else all of
them, up to four per CPU), ``--clock-offset`` moves the clock by another
offset, or by none (``--clock-offset=none``: every step at today's time).

The chapters' own projects never load this: a step's pytest runs in its
folder under ``build/states/``, whose ``pyproject.toml`` stops pytest's search
for ``conftest.py`` files there.
"""

import re
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from cookbook import transcript
from cookbook.clock import DEFAULT_OFFSET, moved_clock, shows_the_clock
from cookbook.errors import CookbookError
from cookbook.manifest import CHAPTER_FOLDER, MANIFEST, Chapter, Step, load_chapters
from cookbook.runner import (
    StepJobsError,
    StepRun,
    check_step,
    jobs_option,
    run_step,
    step_workers,
    steps_at_once_setting,
)


class StepProblem(Exception):
    """A step whose outcome or output is not what the chapter says."""


class ChapterFolder(pytest.Directory):
    """``chapters/NN-slug/``: only its manifest is collected, never snippets."""

    def collect(self) -> list[pytest.Item | pytest.Collector]:
        return [Manifest.from_parent(self, path=self.path / MANIFEST)]


class Manifest(pytest.File):
    """``chapter.toml``: one item per step that runs a command."""

    def collect(self) -> list[pytest.Item | pytest.Collector]:
        folder = self.path.parent.resolve()
        chapters = _book(self.config, folder.parent)
        found = [c for c in chapters if c.folder.resolve() == folder]
        if not found:
            raise CookbookError(self.path, "not a chapter of the book beside it.")
        (chapter,) = found
        lines = _step_lines(self.path)
        offset = _clock_offset(self.config)
        items: list[pytest.Item | pytest.Collector] = []
        for step in chapter.steps:
            if step.command is None:
                continue
            line = lines[step.number - 1] if step.number <= len(lines) else None
            name = f"step-{step.number:02d}"
            moved = (
                offset if offset and _recording_shows_the_clock(chapter, step) else None
            )
            items.append(
                StepItem.from_parent(
                    self,
                    name=name,
                    line=line,
                    chapters=chapters,
                    chapter=chapter,
                    step=step,
                    clock_offset=moved,
                )
            )
        return items

    def repr_failure(  # type: ignore[override]  # as pytest.Collector does
        self, excinfo: pytest.ExceptionInfo[BaseException]
    ) -> str:
        if isinstance(excinfo.value, CookbookError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))


class StepItem(pytest.Item):
    """One step of a chapter: its outcome, then its transcript, checked."""

    def __init__(
        self,
        *,
        chapters: tuple[Chapter, ...],
        chapter: Chapter,
        step: Step,
        line: int | None,
        clock_offset: str | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.chapters = chapters
        self.chapter = chapter
        self.step = step
        self.line = line
        self.clock_offset = clock_offset
        self.user_properties.append(("command", step.command))
        self.user_properties.append(("expect", step.expect))

    def runtest(self) -> None:
        run = _scheduler(self).result(self)
        record = bool(self.config.getoption("record"))
        report = check_step(self.chapter, run, record)
        self.user_properties.append(("outcome", run.outcome))
        self.user_properties.append(("seconds", f"{run.seconds:.2f}"))
        if record and not report.problems:
            self.user_properties.append(("recorded", "yes"))
        if report.problems:
            problems = list(report.problems)
            if self.clock_offset:
                problems.append(
                    f"This step ran with the clock moved by {self.clock_offset}: "
                    "--clock-offset=none runs it at today's time, to tell a "
                    "time the normaliser misses from another change."
                )
            raise StepProblem("\n\n".join(problems))

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str:
        if isinstance(excinfo.value, StepProblem | CookbookError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, self.line, f"{self.name}: {self.step.command}"


class StepScheduler:
    """Runs the selected steps in parallel: all are handed at once to a pool
    of ``step_workers`` threads."""

    def __init__(self, items: list[StepItem], jobs: int | None) -> None:
        self.pool = ThreadPoolExecutor(max_workers=step_workers(jobs, len(items)))
        self.futures: dict[str, Future[StepRun]] = {}
        self.runs: list[tuple[StepItem, StepRun]] = []
        for item in items:
            self.futures[item.nodeid] = self._start(item)

    def _start(self, item: StepItem) -> "Future[StepRun]":
        environment, suffix = {}, ""
        if item.clock_offset:
            environment = dict(moved_clock(item.clock_offset))
            suffix = f"-clock{item.clock_offset}"
        return self.pool.submit(
            run_step,
            item.chapters,
            item.chapter,
            item.step,
            _states_dir(item),
            environment=environment,
            folder_suffix=suffix,
        )

    def result(self, item: StepItem) -> StepRun:
        future = self.futures.get(item.nodeid)
        if future is None:  # not among the items selected at the start
            future = self._start(item)
        run = future.result()
        self.runs.append((item, run))
        return run

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


_BOOK = pytest.StashKey[dict[Path, tuple[Chapter, ...]]]()
_SCHEDULER = pytest.StashKey[StepScheduler]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cookbook", "executable chapters (chapters/NN-slug)")
    group.addoption(
        "--record",
        action="store_true",
        help="re-record the transcripts of the steps that run",
    )
    group.addoption(
        "--step", type=int, metavar="N", help="verify a chapter up to step N only"
    )
    group.addoption(
        "--clock-offset",
        default=DEFAULT_OFFSET,
        metavar="OFFSET",
        help="verify the steps that show ids or times with the clock moved by "
        f"OFFSET (default {DEFAULT_OFFSET}; none: at today's time)",
    )
    group.addoption(
        "--jobs",
        type=jobs_option,
        metavar="N",
        help="how many steps run at once (default: $COOKBOOK_STEP_JOBS if set, "
        "else all of them, up to four per CPU)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """A wrong ``COOKBOOK_STEP_JOBS`` is said once, before any step runs."""
    try:
        steps_at_once_setting()
    except StepJobsError as error:
        raise pytest.UsageError(str(error)) from None


def pytest_collect_directory(
    path: Path, parent: pytest.Collector
) -> pytest.Collector | None:
    if CHAPTER_FOLDER.match(path.name) and (path / MANIFEST).is_file():
        return ChapterFolder.from_parent(parent, path=path)
    return None


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """``--step N``: the steps after step N are deselected."""
    last = config.getoption("step")
    if last is None:
        return
    later = [i for i in items if isinstance(i, StepItem) and i.step.number > last]
    if later:
        config.hook.pytest_deselected(items=later)
        items[:] = [item for item in items if item not in later]


def pytest_runtest_setup(item: pytest.Item) -> None:
    if isinstance(item, StepItem):
        _scheduler(item)


def pytest_report_teststatus(
    report: pytest.TestReport, config: pytest.Config
) -> tuple[str, str, str] | None:
    if report.when == "call" and ("recorded", "yes") in report.user_properties:
        return "recorded", "R", "RECORDED"
    return None


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """The steps as the CLI listed them: command, outcome, time."""
    scheduler = config.stash.get(_SCHEDULER, None)
    if scheduler is None or not scheduler.runs:
        return
    terminalreporter.write_sep("-", "chapter steps")
    runs = sorted(scheduler.runs, key=lambda pair: pair[0].nodeid)
    labels = [_summary_label(item) for item, _ in runs]
    label_width = max(len(label) for label in labels)
    width = max(len(run.transcript.command) for _, run in runs)
    for label, (_, run) in zip(labels, runs, strict=True):
        terminalreporter.write_line(
            f"{label:<{label_width}}  "
            f"{run.transcript.command:<{width}}  expected {run.step.expect}, "
            f"got {run.outcome}  {run.seconds:5.2f} s"
        )


def pytest_sessionfinish(session: pytest.Session) -> None:
    scheduler = session.config.stash.get(_SCHEDULER, None)
    if scheduler is not None:
        scheduler.close()


def _book(config: pytest.Config, chapters_dir: Path) -> tuple[Chapter, ...]:
    """Every chapter of ``chapters_dir``, loaded and checked once a session:
    a chapter's state depends on all the chapters before it."""
    books = config.stash.setdefault(_BOOK, {})
    if chapters_dir not in books:
        books[chapters_dir] = load_chapters(chapters_dir)
    return books[chapters_dir]


def _summary_label(item: StepItem) -> str:
    moved = f" @clock{item.clock_offset}" if item.clock_offset else ""
    return f"chapter {item.chapter.label} step {item.step.number:2d}{moved}"


def _clock_offset(config: pytest.Config) -> str | None:
    """The offset to move the clock by, or None: not when recording."""
    offset = str(config.getoption("clock_offset"))
    if config.getoption("record") or offset.lower() == "none":
        return None
    return offset


def _recording_shows_the_clock(chapter: Chapter, step: Step) -> bool:
    recorded = transcript.load(chapter.transcript_path(step))
    return recorded is not None and shows_the_clock(recorded.output)


def _scheduler(item: StepItem) -> StepScheduler:
    """The scheduler, created at the first step that runs: it starts every
    step selected in the session at once."""
    scheduler = item.config.stash.get(_SCHEDULER, None)
    if scheduler is None:
        items = [i for i in item.session.items if isinstance(i, StepItem)]
        scheduler = StepScheduler(items, item.config.getoption("jobs"))
        item.config.stash[_SCHEDULER] = scheduler
    return scheduler


def _states_dir(chapter_or_item: Chapter | StepItem) -> Path:
    """``build/states`` beside the book's ``chapters/`` folder."""
    chapter = (
        chapter_or_item.chapter
        if isinstance(chapter_or_item, StepItem)
        else chapter_or_item
    )
    return chapter.folder.parent.parent / "build" / "states"


def _step_lines(manifest: Path) -> list[int]:
    """The 0-based line of each ``[[step]]`` header, for reports."""
    try:
        text = manifest.read_text(encoding="utf-8")
    except OSError:
        return []
    return [
        number
        for number, line in enumerate(text.splitlines())
        if re.match(r"^\s*\[\[step\]\]", line)
    ]
