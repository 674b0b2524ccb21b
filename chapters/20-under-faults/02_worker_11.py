"""The club's worker program: ``reading-club worker``, which is
``celery -A reading_club.entrypoints.worker worker`` with the same options
(and Celery's ``--quiet`` with ``CLUB_LOG_FORMAT=json``).

It runs the club's own consumer, the catalogue, and reads the catalogue's
queue. It takes its settings from the environment, as every program of the
club does: ``CLUB_DATABASE_URL``, ``CLUB_BROKER_URL`` and
``CLUB_BOOK_DATA_URL`` at least.
"""

import functools
import logging
import os
from typing import Any

from celery import Task
from celery.signals import worker_process_init
from sqlalchemy import Engine
from sqlalchemy import exc as sql_errors

from reading_club import bootstrap
from reading_club.adapters.book_data import BookData, BookDataUnavailable
from reading_club.adapters.sql.catalogue import (
    count_authors,
    index_book,
    is_indexed,
    title_of,
)
from reading_club.adapters.sql.dead_letters import resolve_dead_letter
from reading_club.adapters.sql.inbox import finish_delivery, first_delivery
from reading_club.entrypoints.catalogue_reads import (
    PoisonMessage,
    read_book_registered,
)
from reading_club.entrypoints.failures import retry_or_keep
from reading_club.entrypoints.worker_logs import log_as
from reading_club.retries import RetryPolicy
from reading_club.routes import CATALOGUE
from reading_club.settings import Settings, SettingsError, book_data_url, log_format

log = logging.getLogger("reading_club.catalogue")

try:
    settings = Settings.from_environment()
    book_data_address = book_data_url()
    log_as(log_format())
except SettingsError as error:
    raise SystemExit(f"reading_club.entrypoints.worker: {error}") from None

app = bootstrap.worker_celery(settings)
app.conf.task_default_queue = CATALOGUE.queue  # the queue a worker reads
# Keep as a dead letter what Celery cannot run, before it drops it.
app.conf.worker_consumer = "reading_club.entrypoints.unreadable:KeepingConsumer"

retry_policy = RetryPolicy(
    retries=settings.retries,
    first_delay=settings.retry_delay,
    max_delay=settings.retry_delay_max,
    # The book-data service did not answer; the database was locked, out of
    # reach, or out of connections to lend. Any other error is permanent.
    transient=(
        BookDataUnavailable,
        sql_errors.OperationalError,
        sql_errors.InterfaceError,
        sql_errors.TimeoutError,
    ),
)


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


@worker_process_init.connect
def _a_process_group_of_its_own(**_: object) -> None:
    """A process manager (honcho, a shell's ``kill -- -PID``) stops the
    worker with SIGTERM to its whole process group: a pool process in that
    group would die in the middle of its task. In a group of its own, it
    hears only its worker, whose warm shutdown lets the task finish. It still
    dies with the worker: Celery asks Linux to kill it then."""
    os.setpgid(0, 0)


@app.task(name=CATALOGUE.task, bind=True, max_retries=None)
def book_registered(task: "Task[Any, Any]", /, *args: Any, **kwargs: Any) -> None:
    """The catalogue hears of a new book: it counts the book for each of its
    authors, once per message, and indexes it with its summary.

    A failure is retried, or the message kept as a dead letter: the task
    raises only Celery's ``Retry``, or ``Reject`` to requeue its message.
    It takes any arguments, and expects one, ``message``: arguments that
    did not fit its signature would fail before its code runs, and Celery
    would acknowledge the message as a failed task.
    """
    fits = not args and kwargs.keys() == {"message"}
    message = kwargs["message"] if fits else {"args": list(args), "kwargs": kwargs}
    try:
        if not fits:
            raise PoisonMessage(
                "arguments the task does not take: "
                f"{len(args)} positional, keywords {sorted(kwargs)}"
            )
        catalogue(message)
    except Exception as error:
        retry_or_keep(
            task,
            message,
            error,
            policy=retry_policy,
            database=database(),
            consumer=CATALOGUE.queue,
        )


def catalogue(message: dict[str, Any]) -> None:
    # A message the catalogue cannot read raises PoisonMessage here, before
    # anything is written: it becomes a dead letter, and is never retried.
    received = read_book_registered(message)
    book = received.book
    with database().begin() as connection:
        # The inbox's row and the counts commit together, or neither does.
        if first_delivery(connection, received.message_id, CATALOGUE.queue):
            count_authors(connection, [author.name for author in book.authors])
        else:
            log.info(
                "message %s was handled already: not counted again", received.message_id
            )
    # Separate transactions: on SQLite, one that reads and then writes fails
    # at once with "database is locked" when another one committed meanwhile;
    # and no transaction stays open while the service is asked.
    book_id = book.id
    with database().connect() as connection:
        title = title_of(connection, book_id)
        indexed = is_indexed(connection, book_id)
    summary = None
    if title is None:
        log.warning("book %s is not in the database: not indexed", book_id)
    elif indexed:
        # Another copy of the message indexed the book: asking the service
        # again could only fail, and keep a handled message as a dead letter.
        log.info("book %s was indexed already", book_id)
    else:
        summary = book_data().summary(book.isbn)
    with database().begin() as connection:
        if title is not None and summary is not None:
            index_book(connection, book_id, title, summary)
            log.info("book %s indexed", book_id)
        # The message is handled: its dead letter, if a replay brought it
        # here, is done with, and the relay will not send it again.
        resolve_dead_letter(connection, received.message_id, CATALOGUE.queue)
        finish_delivery(connection, received.message_id, CATALOGUE.queue)
