"""A stand-in for the members' mailing service, which another team runs.

The club sends it a task for each new book, on its queue, and owns nothing
else of it. In the tests it is a Celery app of its own, run by a worker of
its own: it "e-mails the members" by writing a line to its log, which the
tests read. Its worker's environment names the broker (``CLUB_BROKER_URL``).
"""

import json
import logging
import os
from typing import Any

from celery import Celery

from reading_club.routes import NOTIFICATIONS

from holding import hold_if_armed

SENT = "e-mailed the members about"

log = logging.getLogger("notifications")

app = Celery("notifications_stand_in", broker=os.environ.get("CLUB_BROKER_URL"))
app.conf.update(
    task_ignore_result=True,
    task_default_queue=NOTIFICATIONS.queue,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
)


@app.task(name=NOTIFICATIONS.task)
def notify_members(message: dict[str, Any]) -> None:
    hold_if_armed("mail_server")
    book = json.loads(message["payload"])
    log.info("%s %s (message %s)", SENT, book["id"], message["id"])
