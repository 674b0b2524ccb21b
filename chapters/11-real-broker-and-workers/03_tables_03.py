"""The database schema, as SQLAlchemy Core tables.

Nothing in the domain is mapped onto these tables: the repositories turn
rows into domain models and back themselves.
"""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
)

from reading_club.adapters.sql.types import UtcDateTime

metadata = MetaData()
"""Every table of the club; ``metadata.create_all`` creates the schema."""

books = Table(
    "books",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("title", String, nullable=False),
    Column("authors", JSON, nullable=False),
    Column("isbn", String(13), nullable=False, unique=True),
)
"""The catalogue: one row per book, and an ISBN belongs to one book only."""

messages = Table(
    "messages",
    metadata,
    Column("message_id", Uuid, primary_key=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("name", String, nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("published", Boolean, nullable=False),
    Column("payload", JSON, nullable=False),
)
"""The message store: each command and event the bus handled, once committed.

``published`` copies the message's metadata: it says that the message is
meant for the event stream, not that it was sent.
"""

author_books = Table(
    "author_books",
    metadata,
    Column("author", String, primary_key=True),
    Column("books", Integer, nullable=False),
)
"""The club's catalogue counts the books of each author, one event at a time.

A count is the effect that a message delivered twice spoils: the same book
would be counted twice.
"""
