"""The club's schema, as Alembic migrations: a database upgraded to the code's.

The migrations are in ``reading_club/migrations``, shipped with the package;
``reading-club db upgrade`` runs them, and so do the tests' fixtures, so
that the schema the tests use is the one production gets.
"""

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

MIGRATIONS = "reading_club:migrations"
UPGRADE_LOCK = 0x6D69_6772
"""The key of the advisory lock an upgrade holds on PostgreSQL: "migr", in
ASCII. Any number would do that no other program takes."""


def alembic_config(connection: Connection) -> Config:
    """Alembic's configuration, without an ini file: the migrations are found
    in the package, and run on ``connection``."""
    config = _scripts()
    config.attributes["connection"] = connection
    return config


def migrate(connection: Connection, revision: str = "head") -> None:
    """Upgrade the database to ``revision``, in the connection's transaction."""
    _one_upgrade_at_a_time(connection)
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
        _one_upgrade_at_a_time(connection)
        command.downgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None before the first migration."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_behind(revision: str | None) -> bool:
    """Whether a database at ``revision`` lacks migrations of the code. One
    at a revision the code does not know was upgraded by newer code: the
    code's programs may run on it while a deployment rolls out."""
    known = {
        script.revision
        for script in ScriptDirectory.from_config(_scripts()).walk_revisions()
    }
    return revision is None or (revision in known and revision != head_revision())


def head_revision() -> str | None:
    """The revision the code's schema is at: the last migration's."""
    return ScriptDirectory.from_config(_scripts()).get_current_head()


def _scripts() -> Config:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    return config


def _one_upgrade_at_a_time(connection: Connection) -> None:
    """On PostgreSQL, wait until no other upgrade (or downgrade) of the
    database runs: two deployments that upgrade at once would both find the
    same revision, and both run the next migration. The lock ends with the
    transaction. SQLite has one writer at a time, and one machine to deploy
    to."""
    if connection.dialect.name == "postgresql":
        lock = text("SELECT pg_advisory_xact_lock(:key)")
        connection.execute(lock, {"key": UPGRADE_LOCK})
