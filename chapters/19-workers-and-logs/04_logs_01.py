"""The club's log lines: text for a person at a terminal, or JSON for a log
store, one object a line, each naming the message it is about.

``CLUB_LOG_FORMAT=json`` asks for JSON. A line gets its ``message_id`` from
its call's ``extra``, or else from ``about_message``, which the code that
handles a message wraps around its work: the club's lines about one
message, in the API, the relay and the workers, then share one value that
a log store can search for.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

LogFormat = Literal["text", "json"]

# No time in text lines: honcho, systemd and the like add their own.
TEXT_FORMAT = "%(levelname)s %(name)s %(message)s"
JSON_FIELDS = ["levelname", "name", "message", "message_id"]

_current_message: ContextVar[str | None] = ContextVar("message_id", default=None)


@contextmanager
def about_message(message_id: object) -> Iterator[None]:
    """Every line logged inside, by this thread or task, names ``message_id``."""
    token = _current_message.set(str(message_id))
    try:
        yield
    finally:
        _current_message.reset(token)


def handling_message(message_id: str | None) -> None:
    """``about_message`` for code that cannot wrap the work, such as a pair
    of signal handlers: from now on, lines name ``message_id``; ``None``
    ends it."""
    _current_message.set(message_id)


class NameTheMessage(logging.Filter):
    """Gives each line a ``message_id``: its call's, or the one being
    handled, or ``None``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "message_id", None) is None:
            record.message_id = _current_message.get()
        return True


def formatter(log_format: LogFormat) -> logging.Formatter:
    if log_format == "text":
        return logging.Formatter(TEXT_FORMAT)
    return JsonFormatter(
        JSON_FIELDS,
        timestamp=True,
        # Left out: what Celery knows of a task (`data`), the message's whole
        # body among it, since the id is enough to find the rest; and
        # uvicorn's copy of its message with terminal colours.
        reserved_attrs=[*RESERVED_ATTRS, "data", "color_message"],
    )


def use_format(handler: logging.Handler, log_format: LogFormat) -> None:
    """Have ``handler`` write its lines in ``log_format``, each with its
    ``message_id``."""
    handler.setFormatter(formatter(log_format))
    if not any(isinstance(f, NameTheMessage) for f in handler.filters):
        handler.addFilter(NameTheMessage())


def configure(log_format: LogFormat, level: int = logging.INFO) -> None:
    """The root logger writes to stderr in ``log_format``: for a program that
    sets up logging itself (Celery's worker does its own)."""
    logging.basicConfig(level=level)
    for handler in logging.getLogger().handlers:
        use_format(handler, log_format)
    # Python's warnings go to stderr as text: in JSON, they are lines too.
    logging.captureWarnings(log_format == "json")
