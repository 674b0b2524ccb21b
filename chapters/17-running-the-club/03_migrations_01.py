"""The club's schema, as Alembic migrations: a database upgraded to the code's.

The migrations are in ``reading_club/migrations``, shipped with the package;
``reading-club db upgrade`` runs them, and so do the tests' fixtures, so
that the schema the tests use is the one production gets.
"""

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, Engine, inspect
from sqlalchemy.schema import SchemaItem

from reading_club.adapters.sql import tables

MIGRATIONS = "reading_club:migrations"
BEFORE_MIGRATIONS = "0001"
"""The revision whose schema ``metadata.create_all`` made, before the club
had migrations (chapters 13 to 16)."""


class SchemaError(Exception):
    """The database's schema is not the one its migrations would have made."""


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, without an ini file: the migrations are found
    in the package, and run on ``connection``."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["connection"] = connection
    return config


def migrate(connection: Connection, revision: str = "head") -> None:
    """Upgrade the database to ``revision``, in the connection's transaction.

    A database that has the club's tables and no record of a migration was
    made before the club had migrations: it is recorded at the revision it
    was made at, upgraded from there, and then must match the code's tables.
    Otherwise, a ``SchemaError`` says how it differs, and the transaction,
    rolled back by the caller, leaves the database as it was.
    """
    config = alembic_config(connection)
    adopted = _made_before_migrations(connection)
    if adopted:
        command.stamp(config, BEFORE_MIGRATIONS)
    command.upgrade(config, revision)
    if adopted and (differences := _differences(connection)):
        raise SchemaError(
            "the database has the club's tables, no record of a migration, and "
            f"differs from revision {BEFORE_MIGRATIONS}, upgraded ({differences}). "
            "An older version of the club made it: bring it to that revision's "
            "schema by hand (reading_club/migrations/versions), or start from "
            "an empty database"
        )


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision``, in a transaction of its own: on
    either database, a migration that fails leaves the schema as it was."""
    with engine.begin() as connection:
        migrate(connection, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database back to ``revision`` ("base": no table), in a
    transaction of its own."""
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def head_revision() -> str | None:
    """The revision the code's schema is at: the last migration's."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _made_before_migrations(connection: Connection) -> bool:
    names = set(inspect(connection).get_table_names())
    return "books" in names and "alembic_version" not in names


def _differences(connection: Connection) -> str:
    """What Alembic's autogenerate would change to make the database match
    the code's tables, said briefly: nothing, for a schema the migrations
    made."""
    differences = compare_metadata(
        MigrationContext.configure(connection), tables.metadata
    )
    return "; ".join(_describe(difference) for difference in differences)


def _describe(difference: Any) -> str:
    """``("add_table", Table("inbox", ...))`` as ``add_table inbox``."""
    if isinstance(difference, list):  # the changes to one column
        return ", ".join(
            f"{kind} {table}.{column}" for kind, _, table, column, *_ in difference
        )
    match difference:
        case (kind, _, str(table), Column() as column):
            return f"{kind} {table}.{column.name}"
        case (kind, SchemaItem() as item):  # a table, an index, a constraint
            name = getattr(item, "name", None)
            return f"{kind} {name or repr(item)}"
    return repr(difference)
