"""Run the book with nox as ``pip install nox`` gives it: no uv anywhere.

The noxfile prefers uv and falls back to virtualenv. This script checks the
fallback the way a reader meets it: it copies the book (tracked and untracked
files, as ``git`` sees them) into a temporary folder, creates a virtualenv
with only ``pip install nox`` in it (pinned by constraints.txt), hides every
``uv`` on the PATH, and runs ``nox -s chapter-01`` and ``nox -s docs`` in the
copy. Each session must pass, and nox must say that it created its virtualenv
with virtualenv, not uv.

Run it with ``nox -s plain-nox`` (or ``python scripts/plain_nox.py``).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

from seeded_breakages import copy_repository

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "constraints.txt"
SESSIONS = ("chapter-01", "docs")
FALLBACK = "Creating virtual environment (virtualenv)"


def without_uv(environment: dict[str, str]) -> dict[str, str]:
    """The environment with no way for nox to find uv or to pick a backend.

    nox looks for uv in its own environment (the ``uv`` package), then as
    ``$UV`` or ``uv`` on the PATH; ``NOX_DEFAULT_VENV_BACKEND`` would override
    the noxfile's choice.
    """
    cleaned = {
        key: value
        for key, value in environment.items()
        if key not in {"UV", "VIRTUAL_ENV", "NOX_DEFAULT_VENV_BACKEND"}
    }
    folders = cleaned.get("PATH", "").split(os.pathsep)
    cleaned["PATH"] = os.pathsep.join(
        folder for folder in folders if shutil.which("uv", path=folder) is None
    )
    return cleaned


def plain_nox(tools: Path) -> Path:
    """A virtualenv with ``pip install nox`` only; the path of its nox."""
    venv.create(tools, with_pip=True)
    python = tools / "bin" / "python"
    installed = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "-c", CONSTRAINTS, "nox"],
        capture_output=True,
        text=True,
        check=False,
    )
    if installed.returncode != 0:
        sys.exit(f"plain-nox: pip install nox failed:\n{installed.stderr}")
    found = subprocess.run(
        [python, "-c", "import importlib.util as u; print(u.find_spec('uv'))"],
        capture_output=True,
        text=True,
        check=True,
    )
    if found.stdout.strip() != "None":
        sys.exit(f"plain-nox: uv is installed next to nox in {tools}")
    return tools / "bin" / "nox"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    arguments = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="plain-nox-"))
    failed = 0
    try:
        started = time.perf_counter()
        nox = plain_nox(folder / "tools")
        print(f"pip install nox: {time.perf_counter() - started:.1f} s")
        book = folder / "book"
        copy_repository(book)
        environment = without_uv(dict(os.environ))
        if shutil.which("uv", path=environment["PATH"]) is not None:
            sys.exit("plain-nox: uv is still on the PATH")
        for session in SESSIONS:
            started = time.perf_counter()
            completed = subprocess.run(
                [nox, "-f", book / "noxfile.py", "-s", session],
                cwd=book,
                env=environment,
                capture_output=True,
                text=True,
                check=False,
            )
            seconds = time.perf_counter() - started
            output = completed.stdout + completed.stderr
            ok = completed.returncode == 0 and FALLBACK in output
            failed += not ok
            verdict = "passed" if ok else "FAILED"
            print(f"{verdict}  nox -s {session} without uv: {seconds:.1f} s")
            if not ok:
                if FALLBACK not in output:
                    print(f"        nox did not say '{FALLBACK}'")
                print(output, file=sys.stderr)
    finally:
        if arguments.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
