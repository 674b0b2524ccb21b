"""The club's log lines, as JSON, each naming the message it is about."""

import io
import json
import logging
from collections.abc import Iterator

import pytest
from celery.signals import after_setup_logger, task_postrun, task_prerun
from celery.utils.log import get_multiprocessing_logger

from reading_club import logs
from reading_club.entrypoints import worker_logs
from reading_club.settings import SettingsError, log_format

MESSAGE = "01a245a9-e8f3-7afc-9fb0-2b8997ba9ffd"
OTHER = "01a245a9-e8f3-7afc-9fb0-2b8997ba9ffe"


class JsonLines(logging.StreamHandler[io.StringIO]):
    """A handler that keeps the lines a logger wrote, in the club's JSON."""

    def __init__(self) -> None:
        super().__init__(io.StringIO())
        logs.use_format(self, "json")

    def read(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]


@pytest.fixture
def log() -> Iterator[logging.Logger]:
    logger = logging.getLogger("reading_club.test_logs")
    logger.setLevel(logging.INFO)
    yield logger
    logger.handlers.clear()
    logger.setLevel(logging.NOTSET)


@pytest.fixture
def lines(log: logging.Logger) -> JsonLines:
    handler = JsonLines()
    log.addHandler(handler)
    return handler


def test_a_line_names_the_message_being_handled(
    log: logging.Logger, lines: JsonLines
) -> None:
    with logs.about_message(MESSAGE):
        log.info("book %s indexed", "Mort")
    log.info("waiting")

    [about, waiting] = lines.read()
    assert about["message"] == "book Mort indexed"
    assert about["message_id"] == MESSAGE
    assert about["levelname"] == "INFO"
    assert "timestamp" in about
    assert waiting["message_id"] is None


def test_a_line_may_name_its_message_itself(
    log: logging.Logger, lines: JsonLines
) -> None:
    with logs.about_message(OTHER):
        log.info("sent", extra={"message_id": MESSAGE})

    [sent] = lines.read()
    assert sent["message_id"] == MESSAGE


def test_a_line_of_celery_s_about_a_task_names_its_message(
    log: logging.Logger, lines: JsonLines
) -> None:
    # As Celery logs a task it took: what it knows of the task, as `data`.
    data = {"id": f"{MESSAGE}:catalogue", "name": "catalogue.book_registered"}
    log.info("Task %(name)s[%(id)s] received", data, extra={"data": data})

    [received] = lines.read()
    assert received["message_id"] == MESSAGE
    assert "data" not in received, "the task's arguments stay out of the line"


def test_a_task_s_lines_name_its_message_until_it_ends(
    log: logging.Logger, lines: JsonLines
) -> None:
    # As Celery sends the signals, around a task that runs another, eagerly.
    task_prerun.send(sender=None, task_id=f"{MESSAGE}:catalogue")
    task_prerun.send(sender=None, task_id=f"{OTHER}:catalogue")
    log.info("inner")
    task_postrun.send(sender=None, task_id=f"{OTHER}:catalogue")
    log.info("outer")
    task_postrun.send(sender=None, task_id=f"{MESSAGE}:catalogue")
    log.info("between tasks")

    assert [line["message_id"] for line in lines.read()] == [OTHER, MESSAGE, None]


def test_the_worker_s_lines_are_json_once_celery_has_set_them_up(
    log: logging.Logger,
) -> None:
    # Celery's handlers: one on the root logger, one on billiard's logger.
    billiard = get_multiprocessing_logger()
    assert billiard is not None, "billiard is Celery's pool library: it is here"
    root_handler = logging.StreamHandler(io.StringIO())
    billiard_handler = logging.StreamHandler(io.StringIO())
    log.addHandler(root_handler)
    billiard.addHandler(billiard_handler)
    try:
        worker_logs.log_as("json")
        after_setup_logger.send(sender=None, logger=log)
        log.error("a task raised")
        billiard.error("Process 'ForkPoolWorker-1' exited with 'signal 9 (SIGKILL)'")
    finally:
        billiard.removeHandler(billiard_handler)

    for handler in (root_handler, billiard_handler):
        [line] = handler.stream.getvalue().splitlines()
        assert json.loads(line)["levelname"] == "ERROR"


def test_the_log_format_is_text_unless_json_is_asked_for() -> None:
    assert log_format({}) == "text"
    assert log_format({"CLUB_LOG_FORMAT": " json "}) == "json"
    with pytest.raises(SettingsError, match="CLUB_LOG_FORMAT is 'yaml'"):
        log_format({"CLUB_LOG_FORMAT": "yaml"})
