"""The consumers of the club's events, run by Celery workers in their own processes.

Started as ``celery -A consumers worker -Q <queue>``; configured by the
environment, which the tests' fixtures set:

- ``BROKER_URL``: the Redis the club publishes to;
- ``READY_FILE``: a file written once the worker consumes its queue;
- ``DATABASE_URL``: the club's database (a synchronous SQLAlchemy URL), for
  the catalogue.

Each task records what it did in Redis lists under ``effects:``, which the
tests read: that is how a test sees an effect in another process.
"""

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import redis
from celery import Celery
from celery.signals import worker_ready
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine

from reading_club.adapters.sql import tables

app = Celery("consumers")
app.conf.update(
    broker_url=os.environ.get("BROKER_URL", "redis://127.0.0.1:6379/0"),
    broker_connection_retry_on_startup=True,
    # The worker takes one message at a time: one waiting message is not
    # reserved by a worker busy with another.
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
)

effects = redis.Redis.from_url(app.conf.broker_url)
_engine: Engine | None = None


def engine() -> Engine:
    global _engine
    if _engine is None:
        _engine = create_engine(os.environ["DATABASE_URL"])
    return _engine


@worker_ready.connect
def _say_ready(**_: Any) -> None:
    ready_file = os.environ.get("READY_FILE")
    if ready_file:
        Path(ready_file).write_text(str(os.getpid()))


@app.task(name="notifications.book_registered")
def notify_members(message: dict[str, Any]) -> None:
    # Sending an e-mail takes time: NOTIFICATION_DELAY seconds stand for it.
    time.sleep(float(os.environ.get("NOTIFICATION_DELAY", "0")))
    effects.rpush("effects:notifications", json.dumps(message))


@app.task(name="catalogue.book_registered")
def index_book(message: dict[str, Any]) -> None:
    """Read the book from the club's database, by id, and index its title.

    What it found is recorded in Redis, not in the database: while the club
    holds a write transaction open on SQLite, a write here would wait for it.
    """
    book_id = json.loads(message["payload"])["id"]
    if "DATABASE_URL" not in os.environ:
        effects.rpush("effects:catalogue", json.dumps({"id": book_id}))
        return
    query = select(tables.books.c.title).where(tables.books.c.id == uuid.UUID(book_id))
    with engine().connect() as connection:
        title = connection.execute(query).scalar_one_or_none()
    effects.rpush(
        "effects:catalogue",
        json.dumps({"id": book_id, "found": title is not None, "title": title}),
    )


@app.task(name="probe.echo")
def echo(token: str) -> None:
    effects.rpush("effects:probe", token)
