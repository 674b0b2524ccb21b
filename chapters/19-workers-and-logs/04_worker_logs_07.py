"""The worker's lines in the club's format, each naming its message.

Celery sets up the worker's logging itself, in its own text format. With
``CLUB_LOG_FORMAT=json``, these signal handlers give its handlers the
club's JSON lines. A line says which message it is about: a line of the
task's code, by the task that runs; a line of Celery's about a task (taken,
succeeded, failed), by the ``data`` Celery logs it with.
"""

import logging
from typing import Any

from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    task_postrun,
    task_prerun,
)

from reading_club import logs
from reading_club.adapters.celery_transport import message_id_of


class NameTheTasksMessage(logging.Filter):
    """Gives a line of Celery's about a task the id of the task's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        data = getattr(record, "data", None)
        task_id = data.get("id") if isinstance(data, dict) else None
        if getattr(record, "message_id", None) is None and isinstance(task_id, str):
            record.message_id = message_id_of(task_id)
        return True


def log_as(log_format: logs.LogFormat) -> None:
    """Have the worker, once Celery has set up its logging, write its lines
    in ``log_format``. Celery's own format suits a terminal: it stays for
    ``text``."""
    if log_format == "json":
        after_setup_logger.connect(_json_lines, weak=False)
        after_setup_task_logger.connect(_json_lines, weak=False)


def _json_lines(logger: logging.Logger, **_: Any) -> None:
    for handler in logger.handlers:
        handler.addFilter(NameTheTasksMessage())
        logs.use_format(handler, "json")


@task_prerun.connect
def _lines_name_the_message(task_id: str, **_: Any) -> None:
    logs.handling_message(message_id_of(task_id))


@task_postrun.connect
def _lines_name_no_message(**_: Any) -> None:
    logs.handling_message(None)
