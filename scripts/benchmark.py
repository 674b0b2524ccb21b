"""Time the writer's loop: verify one chapter, build the site.

Run it with ``nox -s benchmark`` (or ``python scripts/benchmark.py`` with nox
on the PATH). It prints, in seconds:

* cold ``nox -s chapter-NN``: its virtualenv and build folder removed first;
* warm ``nox -s chapter-NN``: run again, the virtualenv reused (median of 3),
  and with ``-R``, which also skips the install step;
* full docs build: ``nox -s docs`` with the HTML output removed first;
* no-change docs build: ``nox -s docs`` again (median of 3), and the bare
  ``sphinx-build`` inside the session's virtualenv, without nox's overhead;
* with ``--every-chapter``: warm ``nox -s chapter-NN`` of every chapter
  (median of 3, virtualenvs created first), against the writer's budget of
  15 s, with the slowest step of each (from the session's JUnit report);
* from chapter 11 on, the real parts, in the chapter's own virtualenv:
  Redis started and stopped alone, and pytest's durations for the tests
  that run against Redis and worker processes (the session's setup and
  teardown, and each test's call), against the budget of 0.5 s a test;
* from chapter 13 on, the relay's throughput against bare ``send_task`` on
  the same Redis (``scripts/relay_throughput.py``), against the goal of a
  ratio of 0.8 or more in batches of 100.
* from chapter 18 on, the relay's latency after a commit, listening to
  PostgreSQL's NOTIFY and polling (``scripts/relay_latency.py``);
* from chapter 20 on, the whole pipeline, from ``POST /books`` to the
  catalogue's effect, against a naive pipeline that sends from the request
  (``scripts/pipeline_throughput.py``): registrations/s and answer-to-task-end
  latency with 1, 2 and 4 workers, against the goal of a throughput ratio
  of 0.7 or more.

The chapter is the newest one unless ``--chapter NN`` says otherwise
(``nox -s benchmark -- --chapter 03``). ``--whole-check`` measures instead
what CI runs, ``python3 dev.py check`` on a fresh clone, against its budget
of six minutes, with its CPU time by download and session
(``scripts/whole_check.py``).
"""

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from xml.etree import ElementTree

import whole_check

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "build" / "html"
REPEATS = 3
WARM_BUDGET_SECONDS = 15.0
TEST_BUDGET_SECONDS = 0.5
RELAY_RATIO_GOAL = 0.8
FIRST_CHAPTER_WITH_REAL_PARTS = "11"
REDIS_START_AND_STOP = """
import pathlib, sys, tempfile, time
sys.path[:0] = ["tests", "src"]
from broker import redis_server
server = redis_server(pathlib.Path(tempfile.mkdtemp()))
began = time.perf_counter()
server.start()
up = time.perf_counter() - began
began = time.perf_counter()
server.stop()
print(up, time.perf_counter() - began)
"""
FIRST_CHAPTER_WITH_A_RELAY = "13"
RELAY_THROUGHPUT = ROOT / "scripts" / "relay_throughput.py"
FIRST_CHAPTER_WITH_NOTIFY = "18"
RELAY_LATENCY = ROOT / "scripts" / "relay_latency.py"
FIRST_CHAPTER_WITH_THE_PIPELINE = "20"
PIPELINE_THROUGHPUT = ROOT / "scripts" / "pipeline_throughput.py"
PIPELINE_RATIO_GOAL = 0.7
PIPELINE_TABLE = ROOT / "docs" / "measured" / "pipeline-throughput.inc"
"""The figures that chapter 20's page shows: each run writes them again."""
DURATION = re.compile(r"^(?P<seconds>\d+\.\d+)s (?P<phase>setup|call|teardown)\s+\S+")


def last_chapter() -> str:
    """The number of the newest chapter: its state is the largest to verify."""
    numbers = [
        folder.name[:2]
        for folder in (ROOT / "chapters").iterdir()
        if folder.is_dir() and folder.name[:2].isdigit()
    ]
    return max(numbers)


def timed(command: Sequence[str]) -> float:
    started = time.perf_counter()
    completed = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        sys.exit(
            f"benchmark: {' '.join(command)} failed:\n"
            f"{completed.stdout}{completed.stderr}"
        )
    return seconds


def median_of(command: Sequence[str]) -> float:
    return statistics.median(timed(command) for _ in range(REPEATS))


def chapters() -> list[str]:
    return sorted(
        folder.name[:2]
        for folder in (ROOT / "chapters").iterdir()
        if folder.is_dir() and folder.name[:2].isdigit()
    )


def slowest_step(chapter: str) -> str:
    """The slowest step of the last run, from its JUnit report."""
    report = ROOT / "build" / "junit" / f"chapter-{chapter}.xml"
    if not report.is_file():
        return ""
    steps = [
        (
            float(properties.get("seconds", 0)),
            case.attrib["name"],
        )
        for case in ElementTree.parse(report).getroot().iter("testcase")
        for properties in [
            {p.attrib["name"]: p.attrib["value"] for p in case.iter("property")}
        ]
    ]
    if not steps:
        return ""
    seconds, name = max(steps)
    return f"slowest {name} {seconds:.2f} s"


def every_chapter(nox: list[str]) -> None:
    """Warm nox -s chapter-NN for every chapter, against its budget."""
    rows = []
    for chapter in chapters():
        session = f"chapter-{chapter}"
        timed([*nox, "-s", session])  # creates the virtualenv if needed
        seconds = median_of([*nox, "-s", session])
        budget = WARM_BUDGET_SECONDS
        verdict = "ok" if seconds <= budget else f"OVER {budget:.0f} s"
        rows.append((f"warm nox -s {session}", seconds, verdict, slowest_step(chapter)))
    width = max(len(row[0]) for row in rows)
    for label, seconds, verdict, slowest in rows:
        print(f"{label:<{width}}  {seconds:6.2f} s  {verdict:<8}  {slowest}")


def real_parts(chapter: str) -> dict[str, float]:
    """Redis alone, then the tests against Redis and workers, by phase."""
    python = ROOT / ".nox" / f"chapter-{chapter}" / "bin" / "python"
    project = ROOT / "build" / "benchmark" / f"chapter-{chapter}"
    shutil.rmtree(project, ignore_errors=True)
    timed([sys.executable, "-m", "cookbook", "export", chapter, str(project)])
    redis = subprocess.run(
        [str(python), "-c", REDIS_START_AND_STOP],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    up, down = map(float, redis.stdout.split())
    tests = subprocess.run(
        [
            *(str(python), "-m", "pytest", "-q", "-p", "no:randomly"),
            *("--durations=0", "--durations-min=0", "tests/test_consumers.py"),
        ],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    phases: dict[str, list[float]] = {"setup": [], "call": [], "teardown": []}
    for line in tests.stdout.splitlines():
        if match := DURATION.match(line):
            phases[match["phase"]].append(float(match["seconds"]))
    results = {
        "redis-server: start to first answer": up,
        "redis-server: stop": down,
        "Redis and workers: session setup (slowest setup)": max(phases["setup"]),
        "Redis and workers: session teardown (slowest teardown)": max(
            phases["teardown"]
        ),
        "a test against Redis and workers: median call": statistics.median(
            phases["call"]
        ),
        "a test against Redis and workers: slowest call": max(phases["call"]),
    }
    if chapter >= FIRST_CHAPTER_WITH_A_RELAY:
        results |= measured_by(python, project, RELAY_THROUGHPUT)
    if chapter >= FIRST_CHAPTER_WITH_NOTIFY:
        results |= measured_by(python, project, RELAY_LATENCY)
    if chapter >= FIRST_CHAPTER_WITH_THE_PIPELINE:
        results |= measured_by(
            python, project, PIPELINE_THROUGHPUT, "--table", str(PIPELINE_TABLE)
        )
    return results


def measured_by(
    python: Path, project: Path, script: Path, *options: str
) -> dict[str, float]:
    """What a measuring script prints, ``label<TAB>value`` a line: the
    relay's events/s against bare send_task; its latency after a commit;
    the pipeline's registrations/s and answer-to-task-end latency."""
    run = subprocess.run(
        [str(python), str(script), *options],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [line.split("\t") for line in run.stdout.splitlines() if "\t" in line]
    return {label: float(value) for label, value in lines}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chapter", default=last_chapter())
    parser.add_argument(
        "--every-chapter",
        action="store_true",
        help="time a warm nox -s chapter-NN of every chapter instead",
    )
    parser.add_argument(
        "--whole-check",
        action="store_true",
        help="time python3 dev.py check on a fresh clone instead, and its CPU",
    )
    arguments = parser.parse_args()
    chapter = arguments.chapter
    nox = [shutil.which("nox") or "nox", "-f", str(ROOT / "noxfile.py")]
    if arguments.every_chapter:
        every_chapter(nox)
        return
    if arguments.whole_check:
        sys.exit(whole_check.main())
    session = f"chapter-{chapter}"

    shutil.rmtree(ROOT / ".nox" / session.replace("-", "_"), ignore_errors=True)
    shutil.rmtree(ROOT / ".nox" / session, ignore_errors=True)
    shutil.rmtree(ROOT / "build" / "states", ignore_errors=True)
    results = {f"cold nox -s {session}": timed([*nox, "-s", session])}
    results[f"warm nox -s {session} (median of {REPEATS})"] = median_of(
        [*nox, "-s", session]
    )
    results[f"warm nox -R -s {session}, no install step (median of {REPEATS})"] = (
        median_of([*nox, "-R", "-s", session])
    )

    shutil.rmtree(HTML, ignore_errors=True)
    results["full docs build: nox -s docs"] = timed([*nox, "-s", "docs"])
    results[f"no-change docs build: nox -s docs (median of {REPEATS})"] = median_of(
        [*nox, "-s", "docs"]
    )
    results[f"no-change docs build: nox -R -s docs (median of {REPEATS})"] = median_of(
        [*nox, "-R", "-s", "docs"]
    )
    sphinx = ROOT / ".nox" / "docs" / "bin" / "sphinx-build"
    results[f"no-change docs build: bare sphinx-build (median of {REPEATS})"] = (
        median_of(
            [str(sphinx), "-W", "--keep-going", "-q", "-b", "html", "docs", str(HTML)]
        )
    )

    if chapter >= FIRST_CHAPTER_WITH_REAL_PARTS:
        results |= real_parts(chapter)

    width = max(map(len, results))
    for label, seconds in results.items():
        verdict = ""
        if "a test against" in label:
            verdict = "ok" if seconds <= TEST_BUDGET_SECONDS else "OVER 0.5 s"
        if "ratio" in label and "batch 100" in label:
            verdict = "ok" if seconds >= RELAY_RATIO_GOAL else "UNDER 0.8"
        if "ratio full/naive" in label:
            verdict = "ok" if seconds >= PIPELINE_RATIO_GOAL else "UNDER 0.7"
        # Before "ratio", which "registrations" contains.
        if "events/s" in label or "registrations/s" in label:
            value = f"{seconds:8.0f}"
        elif "ratio" in label:
            value = f"{seconds:8.2f}"
        elif "latency" in label:
            value = f"{seconds * 1000:8.1f} ms"
        else:
            value = f"{seconds:8.2f} s"
        print(f"{label:<{width}}  {value}  {verdict}".rstrip())


if __name__ == "__main__":
    main()
