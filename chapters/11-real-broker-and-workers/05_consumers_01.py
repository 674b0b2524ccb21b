"""Two services that consume the club's events, run by Celery workers.

They stand for services that the club does not own: the members'
notifications, and a search catalogue. Each records the messages it
received in a Redis list, ``effects:<queue>``: that is how a test sees an
effect that happened in another process. The worker's environment says
which Redis to use (``BROKER_URL``) and which file to write once the worker
is ready (``READY_FILE``).
"""

import json
import os
import time
from pathlib import Path
from typing import Any

import redis
from celery import Celery
from celery.signals import worker_ready

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
    effects_client.rpush("effects:catalogue", json.dumps(message))
