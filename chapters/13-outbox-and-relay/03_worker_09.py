"""The club's worker program: ``celery -A reading_club.entrypoints.worker worker``.

It runs the club's own consumer, the catalogue, and reads the catalogue's
queue. It takes its settings from the environment, as every program of the
club does: ``CLUB_DATABASE_URL`` and ``CLUB_BROKER_URL``.
"""

import functools
import json
import logging
import uuid
from typing import Any

from sqlalchemy import Engine

from reading_club import bootstrap
from reading_club.adapters.sql.catalogue import count_authors, index_book, title_of
from reading_club.routes import CATALOGUE
from reading_club.settings import Settings, SettingsError

log = logging.getLogger("reading_club.catalogue")

try:
    settings = Settings.from_environment()
except SettingsError as error:
    raise SystemExit(f"reading_club.entrypoints.worker: {error}") from None

app = bootstrap.worker_celery(settings)
app.conf.task_default_queue = CATALOGUE.queue  # the queue a worker reads


@functools.cache
def database() -> Engine:
    """The club's database, opened by the first task that needs it."""
    return bootstrap.worker_database(settings)


@app.task(name=CATALOGUE.task)
def book_registered(message: dict[str, Any]) -> None:
    """The catalogue hears of a new book: it counts the book for each of its
    authors, and indexes it."""
    book = json.loads(message["payload"])
    with database().begin() as connection:
        count_authors(connection, book["authors"])
    index(uuid.UUID(book["id"]))


def index(book_id: uuid.UUID) -> None:
    """Index the book for the club's search, as the database has it."""
    # Two transactions: on SQLite, one that reads and then writes fails at
    # once with "database is locked" when another one committed meanwhile.
    with database().connect() as connection:
        title = title_of(connection, book_id)
    if title is None:
        log.warning("book %s is not in the database: not indexed", book_id)
        return
    with database().begin() as connection:
        index_book(connection, book_id, title)
    log.info("book %s indexed", book_id)
