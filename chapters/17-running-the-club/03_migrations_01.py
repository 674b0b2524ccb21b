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
from alembic.util import CommandError
from sqlalchemy import Column, Connection, Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.schema import SchemaItem

from reading_club.adapters.sql import tables

MIGRATIONS = "reading_club:migrations"
TAKEN_OVER_AT = "0001"
"""The revision whose tables ``metadata.create_all`` made, before the club
had migrations: chapter 15's and 16's schema."""
UPGRADE_LOCK = 0x6D69_6772
"""The key of the advisory lock an upgrade holds on PostgreSQL: "migr", in
ASCII. Any number would do that no other program takes."""


def alembic_config(connection: Connection) -> Config:
    """Alembic's configuration, without an ini file: the migrations are found
    in the package, and run on ``connection``."""
    config = _scripts()
    config.attributes["connection"] = connection
    return config


class SchemaError(Exception):
    """The database's schema is not one the migrations can start from."""


def migrate(connection: Connection, revision: str = "head") -> None:
    """Upgrade the database to ``revision``, in the connection's transaction.

    A database with tables of the club and no record of a migration was made
    before the club had migrations. It is taken over: recorded at the
    revision its tables were made at, upgraded to the head, and then it must
    match the code's tables. Otherwise a ``SchemaError`` says why, and the
    transaction, rolled back by the caller, leaves the database as it was.
    """
    _one_upgrade_at_a_time(connection)
    config = alembic_config(connection)
    if not _made_before_migrations(connection):
        command.upgrade(config, revision)
        return
    if revision != "head":
        raise SchemaError(_not_taken_over("take it over with an upgrade to head"))
    command.stamp(config, TAKEN_OVER_AT)
    try:
        command.upgrade(config, revision)
    except (SQLAlchemyError, CommandError) as error:
        raise SchemaError(_not_taken_over(f"its upgrade failed: {error}")) from None
    if differences := _differences(connection):
        raise SchemaError(_not_taken_over(f"it differs ({differences})"))


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


def write_revision(engine: Engine, message: str) -> str | None:
    """Write the next migration, numbered after the head, with what Alembic's
    autogenerate finds between the database and the code's tables; its
    path, or None when they agree and there is nothing to write."""
    head = head_revision()
    number = f"{int(head or 0) + 1:04d}"
    written: list[str] = []

    def unless_empty(context: Any, revision: Any, directives: list[Any]) -> None:
        if directives[0].upgrade_ops.is_empty():
            directives.clear()  # Alembic writes no file for no directive

    with engine.connect() as connection:
        config = alembic_config(connection)
        scripts = command.revision(
            config,
            message,
            autogenerate=True,
            rev_id=number,
            process_revision_directives=unless_empty,
        )
    for script in scripts if isinstance(scripts, list) else [scripts]:
        if script is not None:
            written.append(script.path)
    return written[0] if written else None


def head_revision() -> str | None:
    """The revision the code's schema is at: the last migration's."""
    return ScriptDirectory.from_config(_scripts()).get_current_head()


def _made_before_migrations(connection: Connection) -> bool:
    names = set(inspect(connection).get_table_names())
    return "alembic_version" not in names and bool(names & set(tables.metadata.tables))


def _not_taken_over(reason: str) -> str:
    return (
        "the database has tables of the club and no record of a migration, so "
        f"it was taken for revision {TAKEN_OVER_AT}, which an older club made "
        f"without migrations; {reason}. Bring it to that revision's schema by "
        "hand (reading_club/migrations/versions), or start from an empty database"
    )


def _differences(connection: Connection) -> str:
    """What Alembic's autogenerate would change to make the database match
    the code's tables, said briefly; tables that are not the club's are left
    out. Nothing, for a schema the migrations made."""
    context = MigrationContext.configure(connection, opts={"include_name": _the_club_s})
    differences = compare_metadata(context, tables.metadata)
    return "; ".join(_describe(difference) for difference in differences)


def _the_club_s(name: str | None, type_: str, parents: dict[str, Any]) -> bool:
    return type_ != "table" or name in tables.metadata.tables


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
