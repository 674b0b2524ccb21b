"""The club's worker program: ``celery -A reading_club.entrypoints.worker worker``.

It runs the club's own consumer, the catalogue, and reads the catalogue's
queue. It takes its settings from the environment, as every program of the
club does: ``CLUB_DATABASE_URL``, ``CLUB_BROKER_URL`` and
``CLUB_BOOK_DATA_URL`` at least.
"""

import functools
import json
import logging
import uuid
from typing import Any

from celery.signals import worker_process_init
from sqlalchemy import Engine

from reading_club import bootstrap
from reading_club.adapters.book_data import BookData
from reading_club.adapters.sql.catalogue import (
    count_authors,
    index_book,
    is_indexed,
    title_of,
)
from reading_club.adapters.sql.inbox import first_delivery
from reading_club.routes import CATALOGUE
from reading_club.settings import Settings, SettingsError, book_data_url

log = logging.getLogger("reading_club.catalogue")

try:
    settings = Settings.from_environment()
    book_data_address = book_data_url()
except SettingsError as error:
    raise SystemExit(f"reading_club.entrypoints.worker: {error}") from None

app = bootstrap.worker_celery(settings)
app.conf.task_default_queue = CATALOGUE.queue  # the queue a worker reads


@functools.cache
def database() -> Engine:
    """The club's database, opened by the first task that needs it."""
    return bootstrap.worker_database(settings)


@functools.cache
def book_data() -> BookData:
    """The book-data service's client, made by the first task that needs it."""
    return bootstrap.book_data(book_data_address, settings.book_data_timeout)


@worker_process_init.connect
def _no_connection_from_the_parent(**_: object) -> None:
    """A prefork pool process must not use connections that its parent
    opened before the fork: SQLAlchemy's advice is to let it go, unclosed."""
    if database.cache_info().currsize:
        database().dispose(close=False)


@app.task(name=CATALOGUE.task)
def book_registered(message: dict[str, Any]) -> None:
    """The catalogue hears of a new book: it counts the book for each of its
    authors, once per message, and indexes it with its summary."""
    catalogue(message)


def catalogue(message: dict[str, Any]) -> None:
    book = json.loads(message["payload"])
    message_id = uuid.UUID(message["id"])
    with database().begin() as connection:
        # The inbox's row and the counts commit together, or neither does.
        if first_delivery(connection, message_id, CATALOGUE.queue):
            count_authors(connection, book["authors"])
        else:
            log.info("message %s was handled already: not counted again", message["id"])
    # Separate transactions: on SQLite, one that reads and then writes fails
    # at once with "database is locked" when another one committed meanwhile;
    # and no transaction stays open while the service is asked.
    book_id = uuid.UUID(book["id"])
    with database().connect() as connection:
        title = title_of(connection, book_id)
        indexed = is_indexed(connection, book_id)
    if title is None:
        log.warning("book %s is not in the database: not indexed", book_id)
        return
    if indexed:
        # A copy of a message that was handled: the book is indexed, and
        # the service need not be asked again.
        log.info("book %s was indexed already", book_id)
        return
    summary = book_data().summary(book["isbn"])
    with database().begin() as connection:
        index_book(connection, book_id, title, summary)
    log.info("book %s indexed", book_id)
