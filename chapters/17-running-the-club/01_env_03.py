"""How Alembic runs the club's migrations: on the connection it is given.

``reading_club.adapters.sql.migrations`` opens the connection, in a
transaction, and passes it in the configuration's ``attributes``: the
club's engines, with their drivers and their SQLite settings, are the only
way the club reaches its database, Alembic included. ``alembic`` on the
command line opens no connection: use ``reading-club db``.
"""

from alembic import context

from reading_club.adapters.sql import tables

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the club's migrations with reading-club db upgrade")

context.configure(
    connection=connection,
    target_metadata=tables.metadata,
    # SQLite changes a table's columns or constraints only by copying the
    # table: a revision written with op.batch_alter_table does that there,
    # and plain ALTER TABLE statements on PostgreSQL.
    render_as_batch=True,
    # The caller's transaction holds every migration, and rolls all of them
    # back if one fails; SQLite's schema changes are transactional too, and
    # Alembic, told so, stops logging that it assumes otherwise.
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
