"""A chapter's zip unpacked, installed in a fresh virtualenv, its tests run.

This is what the page tells a reader to do with the download
(``pip install -e ".[test]"``, then ``pytest``), done through uv for speed,
with the versions pinned by ``constraints.txt`` as in the chapter sessions.

The chapters' zips are tested three at a time (``install_zips_and_test``):
the suites of Part II mostly wait for the processes they start. Measured on
two cores, with nothing else running: the twenty zips took 328 s two at a
time, 223 s three at a time, and chapter 20's suite 128 s and 126 s.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cookbook import archive
from cookbook.manifest import Chapter
from cookbook.paths import REPO_ROOT
from cookbook.runner import UNSET_VARIABLES as STEP_UNSET_VARIABLES

CONSTRAINTS = REPO_ROOT / "constraints.txt"
ZIPS_AT_ONCE = 3
# Variables of the check's own environment that a reader's shell has not:
# the ones a chapter's steps run without, and the check's virtualenv. With
# PYTHONDONTWRITEBYTECODE set (some containers set it, the machine this
# book is written on among them), every process a suite starts (workers,
# relays) compiled SQLAlchemy, Celery and the project again: chapter 18's
# suite took 170 s of CPU instead of 118 s.
# And uv's, should the caller's environment set it: the zip's packages are
# not all compiled at install, and the suite's processes compile what they
# import, once.
UNSET_VARIABLES = ("VIRTUAL_ENV", "UV_COMPILE_BYTECODE", *STEP_UNSET_VARIABLES)


def install_zips_and_test(
    zips: Sequence[tuple[Path, Chapter]], at_once: int = ZIPS_AT_ONCE
) -> list[list[str]]:
    """``install_zip_and_test`` for each zip, ``at_once`` at a time; the
    problems of each, in the order of ``zips``."""
    with ThreadPoolExecutor(max_workers=max(1, at_once)) as pool:
        # Later chapters have the longer suites: started first, they do not
        # leave one of them running alone at the end.
        started = {
            job: pool.submit(install_zip_and_test, *job) for job in reversed(zips)
        }
        return [started[job].result() for job in zips]


def install_zip_and_test(zip_path: Path, chapter: Chapter) -> list[str]:
    """Unzip a chapter's zip, install it in a new venv, run pytest; the
    problems, or none."""
    uv = shutil.which("uv")
    if uv is None:
        return [
            "uv is not installed: run this check through nox -s downloads "
            "(or nox -s download-NN)."
        ]
    with tempfile.TemporaryDirectory(prefix="reader-") as folder:
        with zipfile.ZipFile(zip_path) as opened:
            opened.extractall(folder)
        project = Path(folder) / archive.top_folder(chapter)
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in UNSET_VARIABLES
        }
        python = project / ".venv" / "bin" / "python"
        commands = [
            [uv, "venv", "--quiet", "--python", sys.executable, str(project / ".venv")],
            [
                uv,
                "pip",
                "install",
                "--quiet",
                "--python",
                str(python),
                "-c",
                str(CONSTRAINTS),
                "-e",
                f"{project}[test]",
            ],
            [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        ]
        for command in commands:
            completed = subprocess.run(
                command,
                cwd=project,
                env=environment,
                capture_output=True,
                text=True,
                check=False,
            )
            if completed.returncode != 0:
                return [
                    f"{zip_path.name}: '{' '.join(command[:3])} ...' failed "
                    f"(exit {completed.returncode}):\n"
                    f"{completed.stdout}{completed.stderr}"
                ]
            last_output = completed.stdout
        summary = last_output.strip().splitlines()[-1] if last_output.strip() else ""
        print(f"  {zip_path.name}: installed, pytest: {summary}")
    return []
