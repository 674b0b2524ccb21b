"""Replay a chapter: run each step's command in its own state, then check it.

Each step with a command gets its own folder under ``build/states/`` and its
own process, so steps cannot leak into one another and can run in parallel.
A step is verified twice: its outcome (``pass`` or ``fail``) and its output,
which must match the recorded transcript once both are normalised.
"""

import argparse
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cookbook import transcript
from cookbook.manifest import Chapter, Step
from cookbook.normalise import PROJECT_PLACEHOLDER, anonymise, mask_host
from cookbook.paths import REPO_ROOT, STATES_DIR, display
from cookbook.state import state_at, write_state
from cookbook.transcript import Transcript

STEP_TIMEOUT_SECONDS = 600

# Variables that change what a command prints. pytest, for one, stops
# truncating its summary when CI is set, so a transcript recorded on a
# laptop would not match on CI.
# The PYTEST_ ones are set by the pytest that replays a chapter (the root
# conftest.py): the step's own pytest must not see them.
UNSET_VARIABLES = (
    "CI",
    "BUILD_NUMBER",
    "PYTEST_ADDOPTS",
    "PYTEST_CURRENT_TEST",
    "PYTEST_VERSION",
    "PYTHONPATH",
    "FORCE_COLOR",
    # Python may keep the bytecode it compiles in the step's folder: the
    # processes a step starts (workers, a relay) then compile the project once.
    "PYTHONDONTWRITEBYTECODE",
)
FIXED_VARIABLES = {
    "COLUMNS": "80",
    "LINES": "24",
    "NO_COLOR": "1",
    "PY_COLORS": "0",
    "PYTHONHASHSEED": "0",
    "TZ": "UTC",
}


@dataclass(frozen=True)
class StepRun:
    """What happened when a step's command ran."""

    step: Step
    exit_code: int
    transcript: Transcript
    seconds: float

    @property
    def outcome(self) -> str:
        return "pass" if self.exit_code == 0 else "fail"


@dataclass(frozen=True)
class StepReport:
    run: StepRun
    problems: tuple[str, ...]


def step_folder(chapter: Chapter, step: Step, states_dir: Path = STATES_DIR) -> Path:
    return states_dir / chapter.folder.name / f"step-{step.number:02d}"


def step_environment(
    project: Path, additions: Mapping[str, str] | None = None
) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if key not in UNSET_VARIABLES
    }
    environment.update(FIXED_VARIABLES)
    environment.update(additions or {})
    bin_dir = str(Path(sys.executable).parent)
    environment["PATH"] = os.pathsep.join([bin_dir, environment.get("PATH", "")])
    return environment


def path_placeholders(project: Path) -> dict[str, str]:
    """Absolute paths of this machine, and what a transcript shows instead."""
    placeholders: dict[str, str] = {}

    def add(path: str | Path, placeholder: str) -> None:
        placeholders[str(path)] = placeholder
        placeholders[os.path.realpath(path)] = placeholder

    add(Path.home(), "~")
    add(REPO_ROOT, "~/cookbook")
    add(sys.base_prefix, "/usr/local")
    add(sys.prefix, f"{PROJECT_PLACEHOLDER}/.venv")
    add(project, PROJECT_PLACEHOLDER)
    return placeholders


def run_step(
    chapters: tuple[Chapter, ...],
    chapter: Chapter,
    step: Step,
    states_dir: Path = STATES_DIR,
    *,
    environment: Mapping[str, str] | None = None,
    folder_suffix: str = "",
) -> StepRun:
    """Assemble the state after ``step`` and run its command there, with
    ``environment`` added to the step's own (``cookbook.clock``)."""
    assert step.command is not None
    folder = step_folder(chapter, step, states_dir)
    project = folder.with_name(folder.name + folder_suffix)
    write_state(state_at(chapters, chapter.number, step.number), project)
    # pytest's temporary folders under a root of the step's own: steps run
    # at once, and pytest clears old folders under a shared root as others
    # write in them, with a warning in this step's transcript.
    temproot = tempfile.TemporaryDirectory(
        prefix="step-pytest-", ignore_cleanup_errors=True
    )
    started = time.perf_counter()
    try:
        completed = subprocess.run(
            shlex.split(step.command),
            cwd=project,
            env=step_environment(
                project,
                {"PYTEST_DEBUG_TEMPROOT": temproot.name, **(environment or {})},
            ),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=STEP_TIMEOUT_SECONDS,
            check=False,
        )
        exit_code, output = completed.returncode, completed.stdout
    except FileNotFoundError as error:
        exit_code, output = 127, f"{error}\n"
    except subprocess.TimeoutExpired as error:
        partial = error.stdout if isinstance(error.stdout, str) else ""
        exit_code = 124
        output = f"{partial}\n[stopped after {STEP_TIMEOUT_SECONDS} s]\n"
    finally:
        temproot.cleanup()
    seconds = time.perf_counter() - started
    output = anonymise(output, path_placeholders(project))
    output = mask_host(output, socket.gethostname())
    return StepRun(step, exit_code, Transcript(step.command, output), seconds)


def check_step(chapter: Chapter, run: StepRun, record: bool) -> StepReport:
    """Compare a run with what the manifest and the recording say."""
    step = run.step
    path = chapter.transcript_path(step)
    problems: list[str] = []
    if run.outcome != step.expect:
        problems.append(_wrong_outcome(chapter, run))
    elif record:
        run.transcript.save(path)
    else:
        recorded = transcript.load(path)
        if recorded is None:
            problems.append(
                f"{display(path)}: not recorded yet. Record it with "
                f"nox -s chapter-{chapter.label} -- --record"
            )
        else:
            diff = transcript.difference(recorded, run.transcript, display(path))
            if diff:
                problems.append(
                    f"{display(path)}: this run's output differs from the "
                    f"recording (normalised diff below).\n{diff}\n"
                    "If the change is intended, re-record with "
                    f"nox -s chapter-{chapter.label} -- --record and review "
                    "the transcript with git diff."
                )
    return StepReport(run, tuple(problems))


def _wrong_outcome(chapter: Chapter, run: StepRun) -> str:
    step = run.step
    where = f"{display(chapter.manifest)}: step {step.number} ({step.command})"
    if step.expect == "fail":
        headline = (
            f'{where} is declared to fail (expect = "fail") but it passed. '
            "The page shows a red step that is no longer red: fix the snippets "
            "of that step, or change expect and the page."
        )
    else:
        headline = (
            f"{where} was expected to pass but failed with exit code "
            f"{run.exit_code}. Fix the snippets written up to that step."
        )
    return f"{headline}\n--- output of this run ---\n{run.transcript.render()}"


STEP_JOBS_VARIABLE = "COOKBOOK_STEP_JOBS"
"""How many steps run at once where ``--jobs`` is not given. ``dev.py check``
sets it to the number of CPUs: its four sessions at a time already keep the
cores busy."""

STEPS_PER_CPU = 4
"""Where neither is given, every step starts at once, up to four per CPU: the
load the check itself runs (four sessions, one step per CPU each), which Part
II's tests that depend on timing pass under. Part II's steps mostly wait for
the programs they start: chapter 18's five steps end in 29 s all at once,
53 s two at a time (notes/whole-check-speed.md)."""


class StepJobsError(ValueError):
    """``COOKBOOK_STEP_JOBS`` is not a number of steps."""


def count_of_steps(text: str) -> int | None:
    """``text`` as a whole number of 1 or more, or None if it is not one."""
    text = text.strip()
    if text.isascii() and text.isdigit() and int(text) >= 1:
        return int(text)
    return None


def jobs_option(text: str) -> int:
    """The type of ``--jobs``: a whole number of 1 or more."""
    count = count_of_steps(text)
    if count is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return count


def steps_at_once_setting(environ: Mapping[str, str] = os.environ) -> int | None:
    """``COOKBOOK_STEP_JOBS``, checked; None where it is unset or empty."""
    setting = environ.get(STEP_JOBS_VARIABLE, "")
    if not setting.strip():
        return None
    count = count_of_steps(setting)
    if count is None:
        raise StepJobsError(
            f"{STEP_JOBS_VARIABLE}={setting!r} is not a number of steps: set it to "
            "a whole number of 1 or more, or unset it to run every step at once "
            f"(at most {STEPS_PER_CPU} per CPU)"
        )
    return count


def usable_cpus() -> int:
    """The CPUs this process may run on: a container's, not its host's."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def step_workers(
    jobs: int | None,
    steps: int,
    *,
    cpus: int | None = None,
    environ: Mapping[str, str] = os.environ,
) -> int:
    """How many steps run at once: ``jobs``, else ``COOKBOOK_STEP_JOBS``, else
    all of them, up to four per CPU; never more than there are steps."""
    if jobs is None:
        jobs = steps_at_once_setting(environ)
    if jobs is None:
        jobs = STEPS_PER_CPU * (cpus or usable_cpus())
    return max(1, min(jobs, steps))


def verify_chapter(
    chapters: tuple[Chapter, ...],
    chapter: Chapter,
    *,
    record: bool = False,
    last_step: int | None = None,
    jobs: int | None = None,
    states_dir: Path = STATES_DIR,
) -> list[StepReport]:
    """Run and check every step with a command, up to ``last_step``."""
    steps = [step for step in chapter.steps[:last_step] if step.command is not None]
    with ThreadPoolExecutor(max_workers=step_workers(jobs, len(steps))) as pool:
        futures = [
            pool.submit(run_step, chapters, chapter, step, states_dir) for step in steps
        ]
        runs = [future.result() for future in futures]
    return [check_step(chapter, run, record) for run in runs]
