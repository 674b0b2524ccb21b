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
from sqlalchemy import Engine, create_engine, select

from reading_club.adapters.sql import tables

SENDING_AN_EMAIL = 0.05
"""Seconds that notifying the members takes: no real consumer is instant."""

app = Celery("consumers", broker=os.environ.get("BROKER_URL"))
app.conf.update(
    task_ignore_result=True,
    # Take one message at a time: a worker busy with one message does not
    # hold others back from the other workers of its queue.
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    # The worker waits for messages with Redis's BRPOP, one second at a time
    # by default, and checks whether it should stop between two waits. A
    # tenth of a second makes it stop ten times sooner, for a few more calls.
    broker_transport_options={"polling_interval": 0.1},
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
    """Read the book from the club's database, and record what was found.

    The record goes to Redis, not to the club's database: on SQLite, while a
    request holds a write transaction open, a second writer has to wait.
    """
    effects_client.rpush("effects:catalogue", json.dumps(message))
    book_id = json.loads(message["payload"])["id"]
    query = select(tables.books.c.title).where(tables.books.c.id == uuid.UUID(book_id))
    with club_database().connect() as connection:
        title = connection.execute(query).scalar_one_or_none()
    lookup = {"id": book_id, "found": title is not None, "title": title}
    effects_client.rpush("lookups:catalogue", json.dumps(lookup))
