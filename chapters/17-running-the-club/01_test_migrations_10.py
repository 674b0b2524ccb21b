from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, schema, text

from reading_club.adapters.sql import tables
from reading_club.adapters.sql.engine import create_sync_engine
from reading_club.adapters.sql.migrations import (
    current_revision,
    downgrade,
    is_behind,
    upgrade,
)


@pytest.fixture
def new_database(new_database_url: str) -> Iterator[Engine]:
    engine = create_sync_engine(new_database_url)
    yield engine
    engine.dispose()


def test_the_migrations_make_the_schema_of_the_code(new_database: Engine) -> None:
    upgrade(new_database)

    with new_database.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection), tables.metadata
        )
    assert differences == [], "tables.py changed: write a migration for it"


@pytest.mark.parametrize("new_database_url", ["sqlite"], indirect=True)
def test_sqlite_has_each_index_of_the_code_to_the_letter(new_database: Engine) -> None:
    # compare_metadata compares an index's columns, not its condition; and
    # SQLite uses a partial index only for a query whose condition contains
    # the index's, as it is written.
    upgrade(new_database)
    query = text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name")

    for index in (
        index for table in tables.metadata.sorted_tables for index in table.indexes
    ):
        made = str(schema.CreateIndex(index).compile(new_database))
        with new_database.connect() as connection:
            assert connection.scalar(query, {"name": index.name}) == made.strip()


@pytest.mark.parametrize("new_database_url", ["sqlite"], indirect=True)
def test_the_programs_tell_a_database_behind_the_code_from_one_ahead(
    new_database: Engine,
) -> None:
    before = current_revision(new_database)
    upgrade(new_database)

    assert is_behind(before)
    assert not is_behind(current_revision(new_database))
    assert not is_behind("a-revision-of-newer-code")


def test_a_downgrade_to_base_removes_every_table(new_database: Engine) -> None:
    upgrade(new_database)

    downgrade(new_database, "base")

    assert inspect(new_database).get_table_names() == ["alembic_version"]
