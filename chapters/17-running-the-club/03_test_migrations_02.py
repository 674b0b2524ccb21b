import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from reading_club.adapters.sql import tables
from reading_club.adapters.sql.engine import create_sync_engine
from reading_club.adapters.sql.migrations import (
    SchemaError,
    downgrade,
    head_revision,
    upgrade,
)


def test_the_migrations_make_the_schema_of_the_code(new_database_url: str) -> None:
    engine = create_sync_engine(new_database_url)

    upgrade(engine)

    with engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection), tables.metadata
        )
    engine.dispose()
    assert differences == [], "tables.py changed: write a migration for it"


def test_a_downgrade_to_base_removes_every_table(new_database_url: str) -> None:
    engine = create_sync_engine(new_database_url)
    upgrade(engine)

    downgrade(engine, "base")

    assert inspect(engine).get_table_names() == ["alembic_version"]
    engine.dispose()


def test_a_database_made_before_migrations_is_upgraded_with_its_rows(
    new_database_url: str,
) -> None:
    engine = create_sync_engine(new_database_url)
    tables.metadata.create_all(engine)  # as chapters 13 to 16 made it
    with engine.begin() as connection:
        connection.execute(
            tables.author_books.insert().values(author="Le Guin", books=3)
        )

    upgrade(engine)

    with engine.connect() as connection:
        version = MigrationContext.configure(connection).get_current_revision()
        rows = connection.execute(tables.author_books.select()).all()
    engine.dispose()
    assert version == head_revision()
    assert [tuple(row) for row in rows] == [("Le Guin", 3)]


def test_a_database_that_differs_from_the_first_migration_is_left_as_it_was(
    new_database_url: str,
) -> None:
    engine = create_sync_engine(new_database_url)
    tables.books.create(engine)  # and no other table: an older club made it

    with pytest.raises(SchemaError, match="add_table dead_letters"):
        upgrade(engine)

    assert inspect(engine).get_table_names() == ["books"]
    engine.dispose()
