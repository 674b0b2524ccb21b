"""The naive pipeline that ``scripts/pipeline_throughput.py`` measures the
club against: benchmark code, never the club's.

* Its API (``python naive_pipeline.py --port PORT``) is the club's own
  ``create_app``, with the one part the composition root chooses swapped:
  each request's unit of work sends its events through a real
  ``CeleryTransport`` as the transaction ends, inside the request, instead
  of leaving them to a relay. The event is still stored in the message
  store, as messagebus does; no relay runs, and it stays unsent there.
* Its worker (``celery -A naive_pipeline worker``) has the club's Celery
  configuration and runs the same effect as the club's catalogue: it
  counts the book's authors, then indexes the book with its summary. It
  keeps no inbox, no dead letters, and does not retry.

Both take the club's settings from the environment: ``CLUB_DATABASE_URL``,
``CLUB_BROKER_URL`` and ``CLUB_BOOK_DATA_URL``.
"""

import argparse
import functools
import logging
from typing import Any

import uvicorn
from celery import Celery
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club import bootstrap, logs
from reading_club.adapters.book_data import BookData
from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql.catalogue import count_authors, index_book, title_of
from reading_club.adapters.sql.engine import create_engine
from reading_club.adapters.sql.unit_of_work import SqlUnitOfWork
from reading_club.entrypoints.api import create_app
from reading_club.entrypoints.catalogue_reads import read_book_registered
from reading_club.routes import CATALOGUE, ROUTES
from reading_club.settings import Settings, book_data_url, log_format

log = logging.getLogger("reading_club.catalogue")

settings = Settings.from_environment()

app: Celery = bootstrap.worker_celery(settings)
app.conf.task_default_queue = CATALOGUE.queue


@functools.cache
def database() -> Engine:
    return bootstrap.worker_database(settings)


@functools.cache
def book_data() -> BookData:
    return bootstrap.book_data(book_data_url(), settings.book_data_timeout)


@app.task(name=CATALOGUE.task)
def book_registered(message: dict[str, Any]) -> None:
    """Count the book for each of its authors, then index it: the club's
    effect, once per delivery."""
    book = read_book_registered(message).book
    with database().begin() as connection:
        count_authors(connection, [author.name for author in book.authors])
    with database().connect() as connection:
        title = title_of(connection, book.id)
    if title is None:
        raise LookupError(f"book {book.id} is not in the database")
    summary = book_data().summary(book.isbn)
    with database().begin() as connection:
        index_book(connection, book.id, title, summary)
    log.info("book %s indexed", book.id)


def sending_unit_of_work(transport: CeleryTransport) -> None:
    """Make every request's unit of work send through ``transport`` as it
    commits: the club's composition root chooses the unit of work of a
    request, and ``create_app`` asks it at each request."""

    def unit_of_work(engine: AsyncEngine) -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, transport)

    bootstrap.request_unit_of_work = unit_of_work


def serve_api(port: int) -> None:
    """Serve the club's API, sending from the request, as ``reading-club
    api`` serves it: uvicorn, with the club's logging."""
    logs.configure(log_format())
    celery = bootstrap.sending_celery(settings.broker_url, settings.broker_timeout)
    sending_unit_of_work(CeleryTransport(celery, ROUTES))
    api = create_app(create_engine(settings.database_url))
    try:
        uvicorn.run(api, host="127.0.0.1", port=port, log_config=None)
    finally:
        celery.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    serve_api(parser.parse_args().port)
