"""The club's log lines: text for a person at a terminal, or JSON for a log
store, one object a line, each naming the message it is about.

``CLUB_LOG_FORMAT=json`` asks for JSON. A line gets its ``message_id`` from
its call's ``extra``; or else from ``about_message``, which the code that
handles a message wraps around its work; or else, for a line of Celery's
about a task, from the task's id. The lines about one message, in the API,
the relay and the workers, then share one value a log store can search for.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from reading_club.settings import LogFormat
from reading_club.task_ids import message_id_of

# No time in text lines: honcho, systemd and the like add their own.
TEXT_FORMAT = "%(levelname)s %(name)s %(message)s"
JSON_FIELDS = ("levelname", "name", "message", "message_id")

_current_message: ContextVar[str | None] = ContextVar("message_id", default=None)


@contextmanager
def about_message(message_id: str) -> Iterator[None]:
    """Every line logged inside, in this context, names ``message_id``."""
    token = begin_message(message_id)
    try:
        yield
    finally:
        end_message(token)


def begin_message(message_id: str) -> Token[str | None]:
    """``about_message`` for code that cannot wrap the work, such as a pair
    of signal handlers: the lines name ``message_id`` until ``end_message``
    is given the token."""
    return _current_message.set(message_id)


def end_message(token: Token[str | None]) -> None:
    _current_message.reset(token)


def current_message() -> str | None:
    """The message being handled in this context, if any."""
    return _current_message.get()


class NameTheMessage(logging.Filter):
    """Gives each line a ``message_id``: its call's, the one being handled,
    the one of the task a line of Celery's is about, or ``None``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "message_id", None) is None:
            record.message_id = _current_message.get() or _task_message(record)
        return True


def _task_message(record: logging.LogRecord) -> str | None:
    """Celery logs a line about a task (taken, succeeded, failed) with what
    it knows of the task as ``data``, the task's id among it."""
    data = getattr(record, "data", None)
    task_id = data.get("id") if isinstance(data, dict) else None
    return message_id_of(task_id) if isinstance(task_id, str) else None


def formatter(log_format: LogFormat) -> logging.Formatter:
    if log_format == "text":
        return logging.Formatter(TEXT_FORMAT)
    return JsonFormatter(
        JSON_FIELDS,
        timestamp=True,
        # Left out: what Celery knows of a task (`data`), with a repr of its
        # arguments, since the id is enough to find the rest; and uvicorn's
        # copy of its message with terminal colours.
        reserved_attrs=[*RESERVED_ATTRS, "data", "color_message"],
    )


def use_format(handler: logging.Handler, log_format: LogFormat) -> None:
    """Have ``handler`` write its lines in ``log_format``, each with its
    ``message_id``."""
    handler.setFormatter(formatter(log_format))
    if not any(isinstance(f, NameTheMessage) for f in handler.filters):
        handler.addFilter(NameTheMessage())


def configure(log_format: LogFormat, level: int = logging.INFO) -> None:
    """The root logger writes to stderr in ``log_format``, unless it has a
    handler already: for a program that does not set up logging itself
    (Celery's worker does, and gets the format from ``worker_logs.py``)."""
    handler = logging.StreamHandler()
    use_format(handler, log_format)
    logging.basicConfig(level=level, handlers=[handler])
    if log_format == "json":
        # Python prints its warnings on stderr, as text; captured, they are
        # lines of the `py.warnings` logger, in JSON.
        logging.captureWarnings(True)
