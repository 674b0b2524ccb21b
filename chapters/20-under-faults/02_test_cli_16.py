import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from reading_club.adapters.sql import migrations, tables
from reading_club.adapters.sql.catalogue import count_authors
from reading_club.adapters.sql.engine import create_sync_engine
from reading_club.adapters.sql.migrations import head_revision, upgrade
from reading_club.entrypoints.cli import main

PROGRAMS = [
    ["db", "upgrade"],
    ["db", "current"],
    ["api"],
    ["relay"],
    ["worker"],
    ["dead-letters", "list"],
    ["catalogue"],
    ["prune-inbox"],
]


@pytest.fixture
def club(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """``reading-club``, run in the test's process, with no setting at all."""
    for name in [
        "CLUB_DATABASE_URL",
        "CLUB_BROKER_URL",
        "CLUB_BOOK_DATA_URL",
        "CLUB_LOST_WITHIN",
    ]:
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


@pytest.mark.parametrize("program", PROGRAMS, ids=" ".join)
def test_each_program_stops_at_once_naming_the_missing_setting(
    club: CliRunner, program: list[str]
) -> None:
    result = club.invoke(main, program)

    assert (result.exit_code, result.output) == (
        1,
        "Error: CLUB_DATABASE_URL is not set\n",
    )


@pytest.mark.parametrize("program", [["api"], ["relay"], ["worker"]], ids=" ".join)
def test_the_programs_refuse_a_database_that_is_not_upgraded(
    club: CliRunner, program: list[str], new_database_url: str
) -> None:
    env = {
        "CLUB_DATABASE_URL": new_database_url,
        "CLUB_BROKER_URL": "redis://127.0.0.1:6379/0",
        "CLUB_BOOK_DATA_URL": "http://127.0.0.1:8080",
    }

    result = club.invoke(main, program, env=env)

    assert result.exit_code == 1
    assert result.output == (
        f"Error: the database is at revision None, the code at {head_revision()}: "
        "run reading-club db upgrade first\n"
    )


def test_the_schema_is_upgraded_once_and_the_counts_are_read(
    club: CliRunner, new_database_url: str
) -> None:
    env = {"CLUB_DATABASE_URL": new_database_url}

    first = club.invoke(main, ["db", "upgrade"], env=env)
    again = club.invoke(main, ["db", "upgrade"], env=env)
    engine = create_sync_engine(new_database_url)
    with engine.begin() as connection:
        count_authors(connection, ["Ursula K. Le Guin", "Frank Herbert"])
    engine.dispose()
    counts = club.invoke(main, ["catalogue"], env=env)

    done = f"the database is at revision {head_revision()}\n"
    assert [first.output, again.output] == [done, done]
    assert counts.output == "     1  Frank Herbert\n     1  Ursula K. Le Guin\n"


def test_a_schema_it_cannot_take_over_fails_the_upgrade(
    club: CliRunner, new_database_url: str
) -> None:
    engine = create_sync_engine(new_database_url)
    tables.books.create(engine)  # and no other table: an older club made it
    engine.dispose()

    result = club.invoke(
        main, ["db", "upgrade"], env={"CLUB_DATABASE_URL": new_database_url}
    )

    assert result.exit_code == 1
    assert "no record of a migration" in result.output


@pytest.mark.parametrize("days", ["0", "-1", "1.5"])
def test_the_inbox_keeps_a_day_at_least(club: CliRunner, days: str) -> None:
    env = {"CLUB_DATABASE_URL": "sqlite:////nowhere/club.sqlite"}

    result = club.invoke(main, ["prune-inbox", "--keep-days", days], env=env)

    assert result.exit_code == 2
    assert "--keep-days" in result.output


@pytest.mark.parametrize(
    ("days", "lost_within"), [("1", None), ("2", "100000")], ids=["default", "set"]
)
def test_the_inbox_keeps_its_rows_a_day_longer_than_the_relay_looks_back(
    club: CliRunner, days: str, lost_within: str | None
) -> None:
    env = {"CLUB_DATABASE_URL": "sqlite:////nowhere/club.sqlite"}
    if lost_within is not None:
        env["CLUB_LOST_WITHIN"] = lost_within

    result = club.invoke(main, ["prune-inbox", "--keep-days", days], env=env)

    assert result.exit_code == 2
    assert "is less than CLUB_LOST_WITHIN and a day" in result.output


@pytest.mark.parametrize("new_database_url", ["sqlite"], indirect=True)
def test_the_inbox_may_keep_its_rows_for_the_window_and_a_day(
    club: CliRunner, new_database_url: str
) -> None:
    env = {"CLUB_DATABASE_URL": new_database_url}
    club.invoke(main, ["db", "upgrade"], env=env)

    result = club.invoke(main, ["prune-inbox", "--keep-days", "2"], env=env)

    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("new_database_url", ["sqlite"], indirect=True)
def test_a_worker_that_cannot_start_fails_the_command(
    new_database_url: str, tmp_path: Path
) -> None:
    engine = create_sync_engine(new_database_url)
    upgrade(engine)
    engine.dispose()
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).parents[1] / "src"),
        "CLUB_DATABASE_URL": new_database_url,
        "CLUB_BROKER_URL": "redis://127.0.0.1:6379/0",
        "CLUB_BOOK_DATA_URL": "http://127.0.0.1:8080",
    }
    # A pid file in a folder that does not exist: Celery stops before it
    # connects to anything, with exit status 1.
    nowhere = tmp_path / "missing" / "worker.pid"
    command = [sys.executable, "-m", "reading_club", "worker", f"--pidfile={nowhere}"]

    worker = subprocess.run(
        command, check=False, env=env, capture_output=True, text=True
    )

    assert worker.returncode == 1, worker.stdout + worker.stderr
    assert "LockFailed" in worker.stderr


@pytest.mark.parametrize("new_database_url", ["sqlite"], indirect=True)
def test_a_revision_is_written_for_what_differs_and_only_then(
    club: CliRunner,
    new_database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A copy of the migrations, for the test to write in.
    copy = tmp_path / "migrations"
    shutil.copytree(Path(migrations.__file__).parents[2] / "migrations", copy)
    monkeypatch.setattr(migrations, "MIGRATIONS", str(copy))
    engine = create_sync_engine(new_database_url)
    upgrade(engine)
    env = {"CLUB_DATABASE_URL": new_database_url}
    head = head_revision() or "0"

    agreed = club.invoke(main, ["db", "revision", "nothing"], env=env)
    with engine.begin() as connection:  # as if tables.py had gained the index
        connection.exec_driver_sql("DROP INDEX inbox_received_at")
    written = club.invoke(main, ["db", "revision", "index the inbox"], env=env)
    engine.dispose()

    assert (agreed.exit_code, agreed.output) == (
        1,
        "Error: the database and tables.py agree: nothing to write\n",
    )
    (revision,) = (copy / "versions").glob(f"{int(head) + 1:04d}_*.py")
    assert written.output.endswith(f"wrote {revision}\n")
    assert "create_index('inbox_received_at'" in revision.read_text()


@pytest.mark.parametrize("new_database_url", ["sqlite"], indirect=True)
def test_a_downgrade_asks_first(club: CliRunner, new_database_url: str) -> None:
    env = {"CLUB_DATABASE_URL": new_database_url}
    club.invoke(main, ["db", "upgrade"], env=env)

    kept = club.invoke(main, ["db", "downgrade", "base"], env=env, input="n\n")
    undone = club.invoke(main, ["db", "downgrade", "base", "--yes"], env=env)

    assert (kept.exit_code, kept.output.splitlines()[-1]) == (1, "Aborted!")
    assert (undone.exit_code, undone.output) == (
        0,
        "the database is at revision None\n",
    )
