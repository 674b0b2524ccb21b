"""The club's log lines, as JSON, each naming the message it is about."""

import io
import json
import logging
from collections.abc import Iterator

import pytest

from reading_club import logs
from reading_club.entrypoints.worker_logs import NameTheTasksMessage
from reading_club.settings import SettingsError, log_format

MESSAGE = "01a245a9-e8f3-7afc-9fb0-2b8997ba9ffd"


class JsonLines:
    """What a logger wrote, in the club's JSON lines."""

    def __init__(self, handler: logging.StreamHandler[io.StringIO]) -> None:
        self.handler = handler

    def read(self) -> list[dict[str, object]]:
        return [
            json.loads(line) for line in self.handler.stream.getvalue().splitlines()
        ]


@pytest.fixture
def lines() -> Iterator[JsonLines]:
    handler = logging.StreamHandler(io.StringIO())
    logs.use_format(handler, "json")
    logger = logging.getLogger("reading_club.test_logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield JsonLines(handler)
    logger.removeHandler(handler)


def test_a_line_names_the_message_being_handled(lines: JsonLines) -> None:
    log = logging.getLogger("reading_club.test_logs")
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
    log = logging.getLogger("reading_club.test_logs")
    with logs.about_message("another message"):
        log.info("sent", extra={"message_id": MESSAGE})

    [sent] = lines.read()
    assert sent["message_id"] == MESSAGE


def test_a_line_of_celery_s_about_a_task_names_its_message(lines: JsonLines) -> None:
    lines.handler.addFilter(NameTheTasksMessage())
    log = logging.getLogger("reading_club.test_logs")
    # As Celery logs a task it took: what it knows of the task, as `data`.
    data = {"id": f"{MESSAGE}:catalogue", "name": "catalogue.book_registered"}
    log.info("Task %(name)s[%(id)s] received", data, extra={"data": data})

    [received] = lines.read()
    assert received["message_id"] == MESSAGE
    assert "data" not in received, "the message's body stays out of the line"


def test_the_log_format_is_text_unless_json_is_asked_for() -> None:
    assert log_format({}) == "text"
    assert log_format({"CLUB_LOG_FORMAT": " json "}) == "json"
    with pytest.raises(SettingsError, match="CLUB_LOG_FORMAT is 'yaml'"):
        log_format({"CLUB_LOG_FORMAT": "yaml"})
