"""Time the writer's loop: verify one chapter, build the site.

Run it with ``nox -s benchmark`` (or ``python scripts/benchmark.py`` with nox
on the PATH). It prints, in seconds:

* cold ``nox -s chapter-NN``: its virtualenv and build folder removed first;
* warm ``nox -s chapter-NN``: run again, the virtualenv reused (median of 3),
  and with ``-R``, which also skips the install step;
* full docs build: ``nox -s docs`` with the HTML output removed first;
* no-change docs build: ``nox -s docs`` again (median of 3), and the bare
  ``sphinx-build`` inside the session's virtualenv, without nox's overhead.

The chapter is the newest one unless ``--chapter NN`` says otherwise
(``nox -s benchmark -- --chapter 03``).
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "build" / "html"
REPEATS = 3


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chapter", default=last_chapter())
    chapter = parser.parse_args().chapter
    nox = [shutil.which("nox") or "nox", "-f", str(ROOT / "noxfile.py")]
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

    width = max(map(len, results))
    for label, seconds in results.items():
        print(f"{label:<{width}}  {seconds:6.2f} s")


if __name__ == "__main__":
    main()
