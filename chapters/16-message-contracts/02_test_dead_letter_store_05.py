import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from lastuuid import uuid7
from sqlalchemy import Engine

from reading_club.adapters.sql.dead_letters import (
    dead_letters,
    keep_dead_letter,
    mark_replayed,
    message_id,
    resolve_dead_letter,
)

BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


def a_message() -> dict[str, str]:
    return {
        "id": str(uuid7()),
        "created_at": "2026-12-05T10:00:00Z",
        "type": "book_registered_v1",
        "payload": json.dumps({"title": "Dune"}),
    }


def failure(error: str, attempts: int, consumer: str = "catalogue") -> dict[str, Any]:
    return {
        "consumer": consumer,
        "error": error,
        "traceback": f"Traceback…\n{error}",
        "attempts": attempts,
    }


@BOTH
def test_a_dead_letter_keeps_the_message_as_received(empty_database: Engine) -> None:
    message = a_message()
    with empty_database.begin() as connection:
        keep_dead_letter(connection, message, **failure("KeyError('isbn')", 4))

    with empty_database.connect() as connection:
        [letter] = dead_letters(connection)
    assert (letter.message, letter.consumer, letter.attempts) == (
        message,
        "catalogue",
        4,
    )
    assert letter.traceback == "Traceback…\nKeyError('isbn')"
    assert letter.message_id == uuid.UUID(message["id"])
    assert letter.first_failed_at == letter.last_failed_at
    assert letter.replayed_at is None


@BOTH
def test_a_replay_that_fails_adds_its_attempts(empty_database: Engine) -> None:
    message = a_message()
    with empty_database.begin() as connection:
        keep_dead_letter(connection, message, **failure("first", attempts=4))
        [letter] = dead_letters(connection)
        mark_replayed(connection, letter)
        assert dead_letters(connection)[0].replayed_at is not None
        keep_dead_letter(connection, message, **failure("second", attempts=1))
        # An operator's replay that is noted after it failed again.
        mark_replayed(connection, letter)

    with empty_database.connect() as connection:
        [letter] = dead_letters(connection)
    assert (letter.error, letter.attempts, letter.replayed_at) == ("second", 5, None)
    assert letter.first_failed_at < letter.last_failed_at


@BOTH
def test_each_consumer_has_its_own_dead_letters(empty_database: Engine) -> None:
    message = a_message()
    with empty_database.begin() as connection:
        for consumer in ("catalogue", "notifications"):
            keep_dead_letter(connection, message, **failure("failed", 1, consumer))
        resolve_dead_letter(connection, uuid.UUID(message["id"]), "catalogue")

    with empty_database.connect() as connection:
        left = dead_letters(connection)
    assert [letter.consumer for letter in left] == ["notifications"]


@pytest.mark.parametrize(
    "message",
    [{"type": "book_registered_v1"}, {"id": "book 1", "payload": "{}"}],
    ids=["no-id", "not-a-uuid"],
)
def test_a_message_without_a_valid_id_is_kept_all_the_same(
    empty_database: Engine, message: dict[str, str]
) -> None:
    with empty_database.begin() as connection:
        for _ in range(2):
            keep_dead_letter(connection, message, **failure("KeyError('id')", 1))

    with empty_database.connect() as connection:
        [letter] = dead_letters(connection)
    assert (letter.message, letter.attempts) == (message, 2)
    assert letter.message_id == message_id(message)


def test_dead_letters_can_be_read_by_message(empty_database: Engine) -> None:
    messages = [a_message() for _ in range(3)]
    with empty_database.begin() as connection:
        for message in messages:
            keep_dead_letter(connection, message, **failure("failed", 1))
        wanted = [message_id(messages[0]), message_id(messages[2])]
        found = dead_letters(connection, of=wanted)
    assert [letter.message_id for letter in found] == wanted


@BOTH
@pytest.mark.parametrize(
    ("odd", "as_text"),
    [
        (float("inf"), True),
        (float("nan"), True),
        ("\ud800", True),
        (datetime(2026, 12, 5, tzinfo=UTC), True),
        ("\x00", False),
    ],
    ids=["infinity", "nan", "lone-surrogate", "datetime", "nul"],
)
def test_a_message_that_is_not_strict_json_is_kept_as_text(
    empty_database: Engine, odd: object, as_text: bool
) -> None:
    """What kombu's JSON parser accepts, and PostgreSQL or JSON might not."""
    message: dict[str, object] = {**a_message(), "payload": {"title": odd}}
    with empty_database.begin() as connection:
        keep_dead_letter(connection, message, **failure("PoisonMessage()", 1))

    with empty_database.connect() as connection:
        [letter] = dead_letters(connection)
    assert letter.message_id == message_id(message)
    as_json = json.dumps(message, default=repr)  # NaN != NaN: compare texts
    kept = {"not_strict_json": as_json} if as_text else json.loads(as_json)
    assert letter.message == kept
