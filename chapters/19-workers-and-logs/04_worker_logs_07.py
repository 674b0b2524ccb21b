"""The worker's lines in the club's format, each naming its message.

Celery sets up the worker's logging itself, in its own text format. With
``CLUB_LOG_FORMAT=json``, these signal handlers give Celery's handlers the
club's JSON lines; and a task's lines name the task's message.
"""

import logging
from contextvars import Token
from typing import Any

from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    task_postrun,
    task_prerun,
)
from celery.utils.log import get_multiprocessing_logger

from reading_club import logs
from reading_club.settings import LogFormat
from reading_club.task_ids import message_id_of

_handling: dict[str, Token[str | None]] = {}
"""The tasks running in this process, by id: a task may run another, eagerly."""


def log_as(log_format: LogFormat) -> None:
    """Have the worker, once Celery has set up its logging, write its lines
    in ``log_format``. Celery's own format suits a terminal: it stays for
    ``text``."""
    if log_format == "json":
        after_setup_logger.connect(_json_lines, weak=False)
        after_setup_task_logger.connect(_json_lines, weak=False)


def _json_lines(logger: logging.Logger, **_: Any) -> None:
    # Celery gives billiard's logger, which tells of pool processes that
    # died, a handler of its own: it gets the JSON format too.
    billiard = get_multiprocessing_logger()
    for handler in [*logger.handlers, *(billiard.handlers if billiard else [])]:
        logs.use_format(handler, "json")


@task_prerun.connect
def _lines_name_the_message(task_id: str, **_: Any) -> None:
    if (message_id := message_id_of(task_id)) is not None:
        _handling[task_id] = logs.begin_message(message_id)


@task_postrun.connect
def _lines_name_it_no_more(task_id: str, **_: Any) -> None:
    if (token := _handling.pop(task_id, None)) is not None:
        logs.end_message(token)
