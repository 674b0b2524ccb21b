"""The club's schema, as Alembic migrations: a database upgraded to the code's.

The migrations are in ``reading_club/migrations``, shipped with the package;
``reading-club db upgrade`` runs them, and so do the tests' fixtures, so
that the schema the tests use is the one production gets.
"""

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS = "reading_club:migrations"


def alembic_config(connection: Connection) -> Config:
    """Alembic's configuration, without an ini file: the migrations are found
    in the package, and run on ``connection``."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["connection"] = connection
    return config


def migrate(connection: Connection, revision: str = "head") -> None:
    """Upgrade the database to ``revision``, in the connection's transaction."""
    command.upgrade(alembic_config(connection), revision)


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
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    return ScriptDirectory.from_config(config).get_current_head()
