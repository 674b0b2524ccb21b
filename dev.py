#!/usr/bin/env python3
"""The two commands of a fresh clone: ``serve`` the site, or ``check`` it all.

Only the standard library is needed. The first run creates ``.venv-dev/``
with nox and uv in it; later runs go straight to nox.
"""

import os
import subprocess
import sys
import venv
from pathlib import Path

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
    environment = dict(os.environ)
    if arguments[0] == "check":
        # A chapter session alone runs its steps all at once: they mostly
        # wait. Four sessions at a time already keep the cores busy, so in
        # the check each runs one step per CPU (--jobs still wins).
        environment.setdefault("COOKBOOK_STEP_JOBS", str(os.cpu_count() or 1))
    return subprocess.run(
        [*command, *arguments[1:]], check=False, env=environment
    ).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
