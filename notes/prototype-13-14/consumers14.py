"""Chapter 14's worker: a loyalty service that awards points for each registered book.

Its effect is a row in its own database (``points``), so the test can count
effects after a worker was killed. Two versions of the task:

- ``loyalty.book_registered``: awards the points; a message delivered twice
  awards them twice.
- ``loyalty_inbox.book_registered``: records the message id in ``inbox`` in the
  same transaction as the points; the primary key refuses a second record, and
  the duplicate is acknowledged with no second effect.

To be killed mid-task, the task can hold: it appends ``<message id> <pid>``
to the Redis list ``deliveries:loyalty`` when it starts, writes
``<HOLD_DIR>/<pid>.holding`` when it reaches HOLD_AT (``after_commit`` or
``before_commit``), then waits until ``<HOLD_DIR>/release`` exists.
"""

import functools
import os
import time
from pathlib import Path
from typing import Any

import redis
from celery import Celery
from celery.signals import worker_ready
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, create_engine, event
from sqlalchemy.exc import IntegrityError

app = Celery("consumers14", broker=os.environ.get("BROKER_URL"))
app.conf.update(
    task_ignore_result=True,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    # Acknowledge after the task, and give the message back if the worker dies.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    broker_transport_options={
        "polling_interval": 0.1,
        # An unacknowledged message goes back to its queue after this long...
        "visibility_timeout": float(os.environ.get("VISIBILITY_TIMEOUT", "3600")),
        # ...once a sweep looks: kombu 5.7 sweeps every interval x throttle
        # seconds (10 x 10 = 100 s by default).
        "unacked_restore_interval": float(os.environ.get("UNACKED_RESTORE_INTERVAL", "10")),
        "unacked_restore_throttle": int(os.environ.get("UNACKED_RESTORE_THROTTLE", "10")),
    },
)


@functools.cache
def redis_client() -> redis.Redis:
    return redis.Redis.from_url(app.conf.broker_url)


metadata = MetaData()
points = Table(
    "points",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String, nullable=False),
    Column("book_id", String, nullable=False),
)
inbox = Table(
    "inbox",
    metadata,
    Column("message_id", String, primary_key=True),
    Column("consumer", String, primary_key=True),
)


@functools.cache
def database() -> Engine:
    engine = create_engine(os.environ["LOYALTY_DATABASE_URL"])

    @event.listens_for(engine, "connect")
    def _driver_never_begins(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


@worker_ready.connect
def announce_ready(**_: object) -> None:
    if ready_file := os.environ.get("READY_FILE"):
        Path(ready_file).write_text(str(os.getpid()))


def _hold(where: str) -> None:
    hold_dir = os.environ.get("HOLD_DIR")
    if not hold_dir or os.environ.get("HOLD_AT") != where:
        return
    Path(hold_dir, f"{os.getpid()}.holding").write_text(where)
    deadline = time.monotonic() + 30
    while not Path(hold_dir, "release").exists() and time.monotonic() < deadline:
        time.sleep(0.01)


def _award(connection: Any, message: dict[str, Any]) -> None:
    import json

    book_id = json.loads(message["payload"])["id"]
    connection.execute(points.insert().values(message_id=message["id"], book_id=book_id))


@app.task(name="loyalty.book_registered")
def award_points(message: dict[str, Any]) -> None:
    redis_client().rpush("deliveries:loyalty", f"{message['id']} {os.getpid()}")
    with database().begin() as connection:
        _award(connection, message)
        _hold("before_commit")
    _hold("after_commit")


@app.task(name="loyalty_inbox.book_registered")
def award_points_once(message: dict[str, Any]) -> None:
    redis_client().rpush("deliveries:loyalty", f"{message['id']} {os.getpid()}")
    try:
        with database().begin() as connection:
            connection.execute(inbox.insert().values(message_id=message["id"], consumer="loyalty"))
            _award(connection, message)
            _hold("before_commit")
    except IntegrityError:
        # Received before: the effect is there already. Acknowledge, do nothing.
        redis_client().rpush("duplicates:loyalty", f"{message['id']} {os.getpid()}")
        return
    _hold("after_commit")
