import pytest
from click.testing import CliRunner

from reading_club.adapters.sql import tables
from reading_club.adapters.sql.catalogue import count_authors
from reading_club.adapters.sql.engine import create_sync_engine
from reading_club.entrypoints.cli import main

PROGRAMS = [
    ["db", "upgrade"],
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
    for name in ["CLUB_DATABASE_URL", "CLUB_BROKER_URL", "CLUB_BOOK_DATA_URL"]:
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


def test_the_schema_is_upgraded_once_and_the_counts_are_read(
    club: CliRunner, new_database_url: str
) -> None:
    env = {"CLUB_DATABASE_URL": new_database_url}

    first = club.invoke(main, ["db", "upgrade"], env=env)
    again = club.invoke(main, ["db", "upgrade"], env=env)
    engine = create_sync_engine(new_database_url)
    with engine.begin() as connection:
        count_authors(connection, ["Ursula K. Le Guin", "Frank Herbert"])
    counts = club.invoke(main, ["catalogue"], env=env)

    engine.dispose()
    assert [first.output, again.output] == ["the database is at revision 0001\n"] * 2
    assert counts.output == "     1  Frank Herbert\n     1  Ursula K. Le Guin\n"


def test_a_schema_it_cannot_adopt_is_refused_with_what_differs(
    club: CliRunner, new_database_url: str
) -> None:
    engine = create_sync_engine(new_database_url)
    tables.books.create(engine)  # and no other table: an older club made it
    engine.dispose()

    result = club.invoke(
        main, ["db", "upgrade"], env={"CLUB_DATABASE_URL": new_database_url}
    )

    assert result.exit_code == 1
    assert "differs from revision 0001, upgraded (add_table" in result.output
