"""The database schema, as SQLAlchemy Core tables.

Nothing in the domain is mapped onto these tables: the repositories turn
rows into domain models and back themselves.
"""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    and_,
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
    Column("sent_at", UtcDateTime, nullable=True),
    Column("claimed_by", String, nullable=True),
    Column("claimed_until", UtcDateTime, nullable=True),
)
"""The message store: each command and event the bus handled, once committed.

It is also the outbox. ``published`` copies the message's metadata: it says
that the message is meant for the event stream. ``sent_at`` says when a
relay sent the outbox's copy (accepted by the broker, or unrouted), empty
until then; the ``resends`` table counts the later sends of lost messages.
While a relay sends it, ``claimed_by`` names that relay and
``claimed_until`` says until when the claim holds.
"""

UNSENT = and_(messages.c.published, messages.c.sent_at.is_(None))
"""The messages that a relay still has to send."""

Index(
    "messages_to_send",
    messages.c.created_at,
    messages.c.message_id,
    sqlite_where=UNSENT,
    postgresql_where=UNSENT,
)
"""The relay's reading order, over the unsent messages only: a partial index
stays as small as the backlog, however many messages were sent before."""

Index("messages_sent_at", messages.c.sent_at)
"""The active relay's look for lost messages, among those sent in a window
of time (``lost_messages.py``)."""

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

search_index = Table(
    "search_index",
    metadata,
    Column("book_id", Uuid, primary_key=True),
    Column("title", String, nullable=False),
    Column("summary", String, nullable=False),
)
"""The catalogue's search index: each book's title as the database has it,
and its summary as the book-data service has it.

Writing a book's row again changes nothing: its key is the book's id.
"""

inbox = Table(
    "inbox",
    metadata,
    Column("message_id", Uuid, primary_key=True),
    Column("consumer", String, primary_key=True),
    Column("received_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
)
"""The messages each consumer has received: a consumer that finds a message's
id here already skips its first step, not the steps after it.
Several consumers can share a database: the key is the pair. ``finished_at``
says when the consumer's last step committed: a consumer that works in
several transactions records the message in its first, and finishes it in
its last; until then, the relay may send it again."""

Index("inbox_received_at", inbox.c.received_at)
"""Pruning deletes by age: without an index, it would read the whole inbox."""

resends = Table(
    "resends",
    metadata,
    Column("message_id", Uuid, primary_key=True),
    Column("consumer", String, primary_key=True),
    Column("times", Integer, nullable=False),
    Column("last_sent_at", UtcDateTime, nullable=False),
)
"""The messages that the active relay sent again to a consumer that never
finished them: how many times, and when last (``lost_messages.py``)."""

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("message_id", Uuid, primary_key=True),
    Column("consumer", String, primary_key=True),
    Column("message", JSON, nullable=False),
    Column("error", String, nullable=False),
    Column("traceback", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("first_failed_at", UtcDateTime, nullable=False),
    Column("last_failed_at", UtcDateTime, nullable=False),
    Column("replayed_at", UtcDateTime, nullable=True),
)
"""The messages given up on, by a consumer or, for a lost message sent again
too often, by the active relay; kept until an operator replays them.
``message`` is the message as the consumer received it, or was sent it;
``error`` and ``traceback`` say why its last attempt failed (the relay's: how
often it was sent, no traceback); ``attempts`` counts every attempt (every
send, for the relay's), replays included.
``replayed_at`` says when an operator last sent it again: the row stays
until a replay succeeds, and the consumer deletes it."""
