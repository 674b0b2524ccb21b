"""The club's log lines, as JSON, each naming the message it is about."""

import io
import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    task_postrun,
    task_prerun,
)
from celery.utils.log import get_multiprocessing_logger
from messagebus import AsyncAbstractEventstreamTransport

from reading_club import bootstrap, logs
from reading_club.domain.messages import RegisterBook
from reading_club.entrypoints import worker_logs
from reading_club.entrypoints.books import register_book
from reading_club.settings import SettingsError, log_format

from fakes import Database, InMemoryUnitOfWork, MessageLog

MESSAGE = "01a245a9-e8f3-7afc-9fb0-2b8997ba9ffd"
OTHER = "01a245a9-e8f3-7afc-9fb0-2b8997ba9ffe"


class JsonLines(logging.StreamHandler[io.StringIO]):
    """A handler that keeps the lines it is given, in the club's JSON."""

    def __init__(self) -> None:
        super().__init__(io.StringIO())
        logs.use_format(self, "json")

    def read(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]


@pytest.fixture
def lines() -> Iterator[JsonLines]:
    """The lines of the club's loggers, in JSON."""
    club = logging.getLogger("reading_club")
    handler = JsonLines()
    club.addHandler(handler)
    club.setLevel(logging.INFO)
    yield handler
    club.removeHandler(handler)
    club.setLevel(logging.NOTSET)


log = logging.getLogger("reading_club.test_logs")


def test_a_line_names_the_message_being_handled(lines: JsonLines) -> None:
    with logs.about_message(MESSAGE):
        log.info("book %s indexed", "Mort")
    log.info("waiting")

    [about, waiting] = lines.read()
    assert about["message"] == "book Mort indexed"
    assert about["message_id"] == MESSAGE
    assert about["levelname"] == "INFO"
    assert "timestamp" in about
    assert waiting["message_id"] is None


def test_a_line_may_name_its_message_itself(lines: JsonLines) -> None:
    with logs.about_message(OTHER):
        log.info("sent", extra={"message_id": MESSAGE})

    [sent] = lines.read()
    assert sent["message_id"] == MESSAGE


class BrokerDown(AsyncAbstractEventstreamTransport):
    async def send_message_serialized(self, message: Mapping[str, Any]) -> None:
        raise ConnectionError("the broker is down")


async def test_a_request_s_error_names_its_command(
    lines: JsonLines,
    database: Database,
    message_log: MessageLog,
    register_dune: RegisterBook,
) -> None:
    # The in-memory unit of work publishes as it stores: the request fails.
    uow = InMemoryUnitOfWork(database, message_log, BrokerDown())
    with pytest.raises(ConnectionError):
        await register_book(register_dune, bus=bootstrap.message_bus(), uow=uow)

    [failed] = [line for line in lines.read() if line["levelname"] == "ERROR"]
    assert failed["message_id"] == str(register_dune.message_id)
    assert "ConnectionError: the broker is down" in failed["exc_info"]


@pytest.fixture
def worker_lines() -> Iterator[None]:
    """The worker's signal handlers, connected for one test only."""
    yield
    after_setup_logger.disconnect(worker_logs._json_lines)
    after_setup_task_logger.disconnect(worker_logs._json_lines)
    worker_logs._handling.clear()


def test_a_line_of_celery_s_about_a_task_names_its_message(lines: JsonLines) -> None:
    # As Celery logs a task it took: what it knows of the task, as `data`.
    data = {"id": f"{MESSAGE}:catalogue", "name": "catalogue.book_registered"}
    log.info("Task %(name)s[%(id)s] received", data, extra={"data": data})

    [received] = lines.read()
    assert received["message_id"] == MESSAGE
    assert "data" not in received, "the task's arguments stay out of the line"


@pytest.mark.usefixtures("worker_lines")
def test_a_task_s_lines_name_its_message_until_it_ends(lines: JsonLines) -> None:
    # As Celery sends the signals, around a task that runs another, eagerly,
    # and around a task that carries no message of the club's.
    task_prerun.send(sender=None, task_id=f"{MESSAGE}:catalogue")
    task_prerun.send(sender=None, task_id=f"{OTHER}:catalogue")
    log.info("inner")
    task_postrun.send(sender=None, task_id=f"{OTHER}:catalogue")
    log.info("outer")
    task_postrun.send(sender=None, task_id=f"{MESSAGE}:catalogue")
    task_prerun.send(sender=None, task_id="a-task-run-by-hand")
    log.info("by hand")
    task_postrun.send(sender=None, task_id="a-task-run-by-hand")

    assert [line["message_id"] for line in lines.read()] == [OTHER, MESSAGE, None]


@pytest.mark.usefixtures("worker_lines")
def test_the_worker_s_lines_are_json_once_celery_has_set_them_up() -> None:
    # Celery's handlers: on the root logger, on billiard's, on its task logger.
    root, task = logging.getLogger("test-root"), logging.getLogger("test-task")
    billiard = get_multiprocessing_logger()
    assert billiard is not None, "billiard is Celery's pool library: it is here"
    handlers = {logger: logging.StreamHandler(io.StringIO()) for logger in (root, task)}
    handlers[billiard] = logging.StreamHandler(io.StringIO())
    for logger, handler in handlers.items():
        logger.addHandler(handler)
    try:
        worker_logs.log_as("json")
        after_setup_logger.send(sender=None, logger=root)
        after_setup_task_logger.send(sender=None, logger=task)
        for logger in handlers:
            logger.error("a line")
    finally:
        for logger, handler in handlers.items():
            logger.removeHandler(handler)

    for handler in handlers.values():
        [line] = handler.stream.getvalue().splitlines()
        assert json.loads(line)["message"] == "a line"


def test_the_log_format_is_text_unless_json_is_asked_for() -> None:
    assert log_format({}) == "text"
    assert log_format({"CLUB_LOG_FORMAT": " json "}) == "json"
    with pytest.raises(SettingsError, match="CLUB_LOG_FORMAT is 'yaml'"):
        log_format({"CLUB_LOG_FORMAT": "yaml"})
