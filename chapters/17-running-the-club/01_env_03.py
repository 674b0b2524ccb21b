"""How Alembic runs the club's migrations: on the connection it is given.

``reading_club.adapters.sql.migrations`` opens the connection, in a
transaction, and passes it in the configuration's ``attributes``: the
club's engines, with their drivers and their SQLite settings, are the only
way the club reaches its database, Alembic included.
"""

from alembic import context

from reading_club.adapters.sql import tables

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=tables.metadata,
    # SQLite changes a table's columns or constraints only by copying the
    # table: a revision written with op.batch_alter_table does that there,
    # and plain ALTER TABLE statements on PostgreSQL.
    render_as_batch=True,
    # SQLite's schema changes are transactional too, and the club's engines
    # begin every transaction: a migration that fails leaves nothing behind.
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
