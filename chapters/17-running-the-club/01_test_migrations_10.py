from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from reading_club.adapters.sql import tables
from reading_club.adapters.sql.engine import create_sync_engine
from reading_club.adapters.sql.migrations import downgrade, upgrade


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
