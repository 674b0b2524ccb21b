#!/usr/bin/env python3
"""The two commands of a fresh clone: ``serve`` the site, or ``check`` it all.

Only the standard library is needed (the ``cookbook`` package it imports
needs no more). The first run creates ``.venv-dev/`` with nox and uv in it;
later runs go straight to nox.
"""

import os
import subprocess
import sys
import venv
from collections.abc import Mapping
from pathlib import Path

from cookbook.runner import STEP_JOBS_VARIABLE, usable_cpus

ROOT = Path(__file__).resolve().parent
TOOLS = ROOT / ".venv-dev"
BIN = TOOLS / ("Scripts" if os.name == "nt" else "bin")
TOOL_REQUIREMENTS = ["nox[uv]>=2026.10.20"]  # --parallel
COMMANDS = {
    "serve": ["-s", "serve"],
    # Four sessions at a time, each printed when it ends, in the order of
    # noxfile.py's default_sessions: after docs, lint and tests, the longest
    # first.
    "check": ["--parallel", "4", "--allow-parallel"],
}


def ensure_tools() -> Path:
    nox = BIN / "nox"
    if not nox.exists():
        print(f"dev.py: installing nox and uv into {TOOLS.name}/ (once)")
        venv.create(TOOLS, with_pip=True)
        subprocess.run(
            [BIN / "python", "-m", "pip", "install", "--quiet", *TOOL_REQUIREMENTS],
            check=True,
        )
    return nox


def main(arguments: list[str]) -> int:
    if not arguments or arguments[0] not in COMMANDS:
        print("usage: python3 dev.py serve|check [extra nox arguments]")
        return 2
    nox = ensure_tools()
    command = [str(nox), "-f", str(ROOT / "noxfile.py"), *COMMANDS[arguments[0]]]
    environment = check_environment(os.environ) if arguments[0] == "check" else None
    return subprocess.run(
        [*command, *arguments[1:]], check=False, env=environment
    ).returncode


def check_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The check's environment: one step per CPU in each chapter session.

    Alone, a chapter session runs all its steps at once, since Part II's steps
    mostly wait for the servers and workers they start. The check already
    runs four sessions at a time, which keeps the cores busy, so each runs one
    step per CPU, as ``dev.py check -s chapter-NN`` does too. A
    ``COOKBOOK_STEP_JOBS`` set beforehand is kept.
    """
    environment = dict(environ)
    if not environment.get(STEP_JOBS_VARIABLE, "").strip():
        environment[STEP_JOBS_VARIABLE] = str(usable_cpus())
    return environment


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
