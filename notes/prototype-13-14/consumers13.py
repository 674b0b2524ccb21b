"""Chapter 13's workers: two consumers of book_registered that record what they receive.

Each appends the message to the Redis list ``effects:<queue>``, in the order
it received them (one solo worker per queue, one message at a time).
"""

import json
import os
import time
from pathlib import Path
from typing import Any

import redis
from celery import Celery
from celery.signals import worker_ready

app = Celery("consumers13", broker=os.environ.get("BROKER_URL"))
app.conf.update(
    task_ignore_result=True,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    broker_transport_options={"polling_interval": 0.1},
)
effects_client = redis.Redis.from_url(app.conf.broker_url)


@worker_ready.connect
def announce_ready(**_: object) -> None:
    if ready_file := os.environ.get("READY_FILE"):
        Path(ready_file).write_text(str(os.getpid()))


@app.task(name="notifications.book_registered")
def notify_members(message: dict[str, Any]) -> None:
    time.sleep(float(os.environ.get("NOTIFICATION_DELAY", "0")))
    effects_client.rpush("effects:notifications", json.dumps(message))


@app.task(name="catalogue.book_registered")
def index_book(message: dict[str, Any]) -> None:
    effects_client.rpush("effects:catalogue", json.dumps(message))
