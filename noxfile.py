"""nox sessions of the cookbook; a bare ``nox`` runs what CI runs.

One ``chapter-NN`` session per folder of ``chapters/``: adding a chapter
folder adds its session.
"""

import os
import re
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
CHAPTERS = ROOT / "chapters"
CONSTRAINTS = ROOT / "constraints.txt"
HTML = ROOT / "build" / "html"
JUNIT = ROOT / "build" / "junit"
LINTED = [
    "cookbook",
    "tests",
    "chapters",
    "scripts",
    "docs/conf.py",
    "noxfile.py",
    "conftest.py",
    "dev.py",
]

# Python keeps the bytecode it compiles, in the session's virtualenv (and
# beside the book's own modules, where git ignores it): with uv, each module
# is compiled once per virtualenv, and only if something imports it (pip,
# without uv, compiles every package at install). With
# PYTHONDONTWRITEBYTECODE, which some machines set (ours and CI's among
# them), every process would compile again all that it imports; with uv's
# UV_COMPILE_BYTECODE, every package of every virtualenv is compiled at
# install, which took 113 s of the whole check's CPU, sampled by program
# (2026-12-05, notes/whole-check-speed.md).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
os.environ.pop("UV_COMPILE_BYTECODE", None)

# uv when nox can find it (``pip install "nox[uv]"``, or uv on the PATH): a
# session's virtualenv is created and installed in about a second. Otherwise
# virtualenv and pip, as ``pip install nox`` gives: the same sessions, a few
# seconds slower each (README, "Plain nox").
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"


def chapter_numbers() -> list[str]:
    if not CHAPTERS.is_dir():
        return []
    return sorted(
        folder.name[:2]
        for folder in CHAPTERS.iterdir()
        if folder.is_dir() and re.match(r"^\d{2}-", folder.name)
    )


# The first chapter whose tests start Redis, workers and relays: from it on,
# a chapter's sessions take tens of seconds to minutes, before it a few.
PART_TWO = "11"


def default_sessions() -> list[str]:
    """What a bare ``nox`` runs, one at a time.

    ``python3 dev.py check``, which CI runs, runs them four at a time (nox's
    --parallel): whenever one ends, nox starts the first in this list whose
    required sessions have ended. The site comes first, which the
    downloads, the browser and the breakages need, with two short sessions
    and the latest chapter (the first that needs nothing) beside it; then
    the longest first (the zips' suites of Part II, the latest the
    longest), so that none is left running alone at the end. Part II's
    tests mostly wait for the programs they start: four sessions at a time
    keep the machine's two cores busy.
    """
    numbers = chapter_numbers()
    part_two = [number for number in reversed(numbers) if number >= PART_TWO]
    part_one = [number for number in reversed(numbers) if number < PART_TWO]
    return [
        "docs",
        "lint",
        "tests",
        *(f"download-{number}" for number in part_two),
        "browser",
        *(f"chapter-{number}" for number in part_two),
        "typecheck",
        "plain-nox",
        *(f"chapter-{number}" for number in part_one),
        "breakages",  # after chapter-03 and docs, whose virtualenvs it uses
        *(f"download-{number}" for number in part_one),
    ]


nox.options.sessions = default_sessions()


def install_group(session: nox.Session, group: str) -> None:
    """Install a dependency group of pyproject.toml, pinned by constraints.txt."""
    requirements = nox.project.dependency_groups(PYPROJECT, group)
    session.install("-c", str(CONSTRAINTS), *requirements)


def chapter_requirements(session: nox.Session, *numbers: str) -> list[str]:
    """What the chapters' projects declare (all chapters when none is named)."""
    listed = session.run(
        "python", "-m", "cookbook", "requirements", *numbers, silent=True
    )
    return str(listed).split()


def verify(session: nox.Session, number: str) -> None:
    """Replay a chapter through pytest and the root conftest.py: one test item
    per step; posargs are pytest's (``--record``, ``--step N``, ``-k``,
    ``--lf``, ``-x`` ...)."""
    # libfaketime: the steps that show ids or times run with the clock
    # moved (cookbook/clock.py). It is the machinery's, not the chapter's.
    session.install(
        "-c",
        str(CONSTRAINTS),
        *chapter_requirements(session, number),
        "libfaketime",
    )
    (folder,) = CHAPTERS.glob(f"{number}-*/")
    session.run(
        "python",
        "-m",
        "pytest",
        str(folder.relative_to(ROOT)),
        f"--junitxml={JUNIT / f'chapter-{number}.xml'}",
        *session.posargs,
    )


def _chapter_session(number: str) -> None:
    @nox.session(name=f"chapter-{number}")
    def chapter(session: nox.Session) -> None:
        verify(session, number)

    chapter.__doc__ = (
        f"Verify chapter {number}: replay its steps, check its transcripts."
    )


@nox.session(venv_backend="none")
def chapters(session: nox.Session) -> None:
    """Verify every chapter, each in its own chapter-NN session.

    Each chapter runs with exactly what its own project declares: a plugin
    that a later chapter adds (pytest-asyncio, say) would change what an
    earlier chapter's pytest prints.
    """
    for number in chapter_numbers():
        session.notify(f"chapter-{number}", posargs=session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the HTML site; any warning fails the build."""
    install_group(session, "docs")
    session.run(
        "sphinx-build",
        "-W",
        "--keep-going",
        "-q",
        "-b",
        "html",
        "docs",
        str(HTML),
        *session.posargs,
    )


@nox.session
def serve(session: nox.Session) -> None:
    """Build the site and serve it on 127.0.0.1:8000, rebuilding on every edit."""
    install_group(session, "serve")
    session.run(
        "sphinx-autobuild",
        "docs",
        str(HTML),
        "--host",
        "127.0.0.1",
        "--port",
        "8000",
        "--watch",
        "chapters",
        "--watch",
        "cookbook",
        "--ignore",
        "*/transcripts/*.tmp",
        *session.posargs,
    )


def check_zips(session: nox.Session, *arguments: str) -> None:
    """The site's zips (``--chapter NN`` for one), each checked against its
    page, installed in a fresh virtualenv, and tested."""
    session.install("-c", str(CONSTRAINTS), "uv")
    session.run("python", "-m", "cookbook.browser.downloads", str(HTML), *arguments)


@nox.session(requires=["docs"])
def downloads(session: nox.Session) -> None:
    """Install each chapter's zip from the built site and run its tests."""
    check_zips(session, *session.posargs)


def _download_session(number: str) -> None:
    # No posargs: nox would also hand them to docs, which this requires.
    @nox.session(name=f"download-{number}", requires=["docs"])
    def download(session: nox.Session) -> None:
        check_zips(session, "--chapter", number)

    download.__doc__ = (
        f"Install chapter {number}'s zip from the built site and run its tests."
    )


for _number in chapter_numbers():
    _chapter_session(_number)
    _download_session(_number)


@nox.session(requires=["docs"])
def browser(session: nox.Session) -> None:
    """The built site in headless Chromium, as a reader uses it: every page and
    link, copy buttons, search, a phone's width, the dark theme, and each
    chapter's download link, which must give the site's zip, the one that
    the download-NN sessions install and test.

    Needs Chromium: /usr/bin/chromium (Debian's chromium package), one on the
    PATH or named by CHROMIUM=..., or Playwright's own.
    """
    install_group(session, "browser")
    # As the docs session builds it: after it, a no-change build (about 1 s),
    # which rewrites no page and no zip (archive.py leaves an identical zip
    # alone) while the download-NN sessions read them.
    session.run(
        "sphinx-build", "-W", "--keep-going", "-q", "-b", "html", "docs", str(HTML)
    )
    # The checker's own tests first: it must catch a missing page or download.
    session.run("pytest", "-q", "-p", "no:cacheprovider", "tests/test_browser.py")
    # The zips are installed and tested by the download-NN sessions, beside
    # the other sessions: here, each link must give the file they test.
    session.run(
        "python", "-m", "cookbook.browser", str(HTML), "--no-install", *session.posargs
    )


@nox.session
def tests(session: nox.Session) -> None:
    """The machinery's own tests."""
    install_group(session, "test")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff on the machinery and every snippet, mypy on the machinery; every
    manifest validated."""
    install_group(session, "lint")
    session.run("ruff", "check", *LINTED)
    session.run("ruff", "format", "--check", *LINTED)
    # The measuring scripts (relay_throughput.py, relay_latency.py,
    # pipeline_throughput.py and the modules its programs import) import a
    # chapter's project: the benchmark runs them with that chapter's Python,
    # where their imports exist.
    session.run(
        "mypy",
        "--strict",
        "--exclude",
        "scripts/(relay_(throughput|latency)|pipeline_throughput|naive_pipeline"
        "|task_end_times).py",
        *("cookbook", "scripts", "dev.py"),
    )
    session.run("python", "-m", "cookbook", "check")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the project at the end of every chapter."""
    session.install("-c", str(CONSTRAINTS), "mypy", *chapter_requirements(session))
    for number in chapter_numbers():
        project = ROOT / "build" / "typecheck" / number
        session.run("python", "-m", "cookbook", "export", number, str(project))
        with session.chdir(project):
            session.run(
                "mypy", "--strict", "--cache-dir", "../.mypy_cache", "src", "tests"
            )


@nox.session
def benchmark(session: nox.Session) -> None:
    """Time warm and cold chapter verification and the docs builds; with
    ``-- --whole-check``, what CI runs, and where its CPU time goes."""
    session.install("-c", str(CONSTRAINTS), "nox[uv]", "psutil")
    session.run("python", "scripts/benchmark.py", *session.posargs)


# The nox it runs in a copy of the book uses the virtualenvs of chapter-03
# and docs: they must not be made or changed by another session meanwhile.
@nox.session(requires=["docs", "chapter-03"])
def breakages(session: nox.Session) -> None:
    """Break a copy of the book in each way the checks must catch; all caught?"""
    session.install("-c", str(CONSTRAINTS), "nox[uv]")
    session.run("python", "scripts/seeded_breakages.py", *session.posargs)


@nox.session(name="plain-nox", venv_backend="none")
def plain_nox(session: nox.Session) -> None:
    """nox from a plain ``pip install nox``, no uv on the PATH: do chapter-01
    and docs pass in a copy of the book?"""
    session.run(sys.executable, "scripts/plain_nox.py", *session.posargs)
