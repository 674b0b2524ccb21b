"""The workers' tasks: the services that consume the club's events, and the
club's own catalogue.

The notifications and the catalogue record each message they received in a
Redis list, ``effects:<queue>``: that is how a test sees an effect that
happened in another process. The catalogue also indexes each book it hears
of for the club's search, reading it from the club's database by its id,
and records what it found under ``lookups:catalogue``. The worker's environment
says which Redis to use (``BROKER_URL``), which database
(``DATABASE_URL``, a synchronous SQLAlchemy URL), and which file to write
once the worker is ready (``READY_FILE``).

The catalogue counts the books of each author, in the club's database. Each
time it starts on a message, it records ``<message id> <pid>`` under
``deliveries:catalogue``, before any effect: a message delivered again shows
there twice, with the pid of each worker that took it. A message it had
``holding`` lets a test stop the task at a chosen point, to kill its worker
there.
"""

import functools
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import redis
from celery import Celery
from celery.signals import worker_ready
from sqlalchemy import Connection, Engine, create_engine, select
from sqlalchemy.dialects.sqlite import insert

from reading_club.adapters.sql import tables

from holding import hold_if_armed

SENDING_AN_EMAIL = 0.05
"""Seconds that notifying the members takes: no real consumer is instant."""


def redelivery_options() -> dict[str, float]:
    """How soon Redis gives an unacknowledged message to another worker.

    kombu's Redis transport keeps each message a worker took, and has not
    acknowledged, in a hash, with the time it was taken. A sweep, in each
    running worker, puts back in its queue every message taken more than
    ``visibility_timeout`` seconds ago (3600 by default). The sweep runs every
    ``unacked_restore_interval`` seconds (10), but looks at Redis on every
    ``unacked_restore_throttle``-th run only (10): every 100 s by default.
    Each is set only where the environment names it: production keeps
    kombu's defaults, the tests make redelivery take a second.
    """
    options: dict[str, float] = {}
    for option in ("visibility_timeout", "unacked_restore_interval"):
        if (value := os.environ.get(option.upper())) is not None:
            options[option] = float(value)
    if (throttle := os.environ.get("UNACKED_RESTORE_THROTTLE")) is not None:
        options["unacked_restore_throttle"] = int(throttle)
    return options


app = Celery("consumers", broker=os.environ.get("BROKER_URL"))
app.conf.update(
    task_ignore_result=True,
    # Take one message at a time: a worker busy with one message does not
    # hold others back from the other workers of its queue. A message taken
    # in advance would also count as unacknowledged while it waits its turn,
    # and come back after the visibility timeout, though no worker died.
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    # Acknowledge a message once its task has run, not as the worker takes
    # it: a worker that dies mid-task leaves its message unacknowledged, and
    # Redis gives it to another worker. With the prefork pool, a pool process
    # can die under a living worker, which then rejects the message, putting
    # it back at once, instead of acknowledging it as a failed task.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    # The worker waits for messages with Redis's BRPOP, one second at a time
    # by default, and checks whether it should stop between two waits. A
    # tenth of a second makes it stop ten times sooner, for a few more calls.
    broker_transport_options={"polling_interval": 0.1, **redelivery_options()},
)
effects_client = redis.Redis.from_url(app.conf.broker_url)


@functools.cache
def club_database() -> Engine:
    """The club's database, opened by the first task that needs it."""
    return create_engine(os.environ["DATABASE_URL"])


@worker_ready.connect
def announce_ready(**_: object) -> None:
    if ready_file := os.environ.get("READY_FILE"):
        Path(ready_file).write_text(str(os.getpid()))


@app.task(name="notifications.book_registered")
def notify_members(message: dict[str, Any]) -> None:
    time.sleep(SENDING_AN_EMAIL)
    effects_client.rpush("effects:notifications", json.dumps(message))


@app.task(name="catalogue.book_registered")
def index_book(message: dict[str, Any]) -> None:
    """Count the book for each of its authors, and index it."""
    effects_client.rpush("deliveries:catalogue", f"{message['id']} {os.getpid()}")
    with club_database().begin() as connection:
        count_authors(connection, json.loads(message["payload"])["authors"])
        hold_if_armed("before_commit")
    # Committed, not yet acknowledged: a worker dying here leaves the
    # message to be delivered again.
    hold_if_armed("after_commit")
    effects_client.rpush("effects:catalogue", json.dumps(message))
    look_up(json.loads(message["payload"])["id"])


def count_authors(connection: Connection, authors: list[str]) -> None:
    """Add one book to each author's count, in one statement per author.

    SQLite's upsert (an INSERT that updates the row its key already has)
    needs no read before the write, which another worker could overtake.
    """
    # In one order for every task: two transactions that lock the same
    # rows in opposite orders could deadlock, on PostgreSQL.
    for author in sorted(set(authors)):
        upsert = insert(tables.author_books).values(author=author, books=1)
        connection.execute(
            upsert.on_conflict_do_update(
                index_elements=[tables.author_books.c.author],
                set_={"books": tables.author_books.c.books + 1},
            )
        )


def look_up(book_id: str) -> None:
    """Read the book from the club's database, and record what was found.

    The record goes to Redis, not to the club's database: on SQLite, while a
    request holds a write transaction open, a second writer has to wait.
    """
    query = select(tables.books.c.title).where(tables.books.c.id == uuid.UUID(book_id))
    with club_database().connect() as connection:
        title = connection.execute(query).scalar_one_or_none()
    lookup = {"id": book_id, "found": title is not None, "title": title}
    effects_client.rpush("lookups:catalogue", json.dumps(lookup))
