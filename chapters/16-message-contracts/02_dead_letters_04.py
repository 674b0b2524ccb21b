"""The dead letters: the messages a consumer gave up on, kept in the club's
database until an operator replays them.

Redis has no dead-letter queue: a message that Celery acknowledges as
failed is deleted. A consumer keeps the message here first, and lets Celery
acknowledge it only once the row is committed. Workers run no event loop:
these functions take a synchronous connection.
"""

import json
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update

from reading_club.adapters.sql import tables
from reading_club.adapters.sql.catalogue import upsert


@dataclass(frozen=True)
class DeadLetter:
    message_id: uuid.UUID
    consumer: str
    """The queue of the consumer that gave up on the message."""
    message: dict[str, Any]
    """The message as the consumer received it, to be sent again as it is;
    or its text, if it is not strict JSON (see :func:`storable`)."""
    error: str
    traceback: str
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime
    replayed_at: datetime | None = None


def keep_dead_letter(
    connection: Connection,
    message: dict[str, Any],
    *,
    consumer: str,
    error: str,
    traceback: str,
    attempts: int,
) -> None:
    """Keep ``message`` as a dead letter of ``consumer``, after ``attempts``
    attempts that failed, the last one with ``error``.

    A message that was a dead letter already, and failed again after a
    replay, keeps its row: its attempts add up, and it waits for another
    replay.
    """
    letters = tables.dead_letters
    now = datetime.now(UTC)
    insert = upsert(connection, letters).values(
        message_id=message_id(message),
        consumer=consumer,
        message=storable(message),
        error=error,
        traceback=traceback,
        attempts=attempts,
        first_failed_at=now,
        last_failed_at=now,
        replayed_at=None,
    )
    connection.execute(
        insert.on_conflict_do_update(
            index_elements=[letters.c.message_id, letters.c.consumer],
            set_={
                "error": insert.excluded.error,
                "traceback": insert.excluded.traceback,
                "attempts": letters.c.attempts + insert.excluded.attempts,
                "last_failed_at": insert.excluded.last_failed_at,
                "replayed_at": None,
            },
        )
    )


def storable(message: Any) -> Any:
    """``message``, or its text if it is not strict JSON.

    kombu reads messages with Python's JSON parser, which accepts NaN and
    Infinity, and lone surrogates in strings, and with kombu's own tags for
    dates, decimals and UUIDs, which it turns into Python objects.
    PostgreSQL refuses the first three, JSON has no place for the others,
    and a dead letter that the database refuses is retried forever. As
    text, within a JSON object, the message is kept all the same; the
    replay command skips it, having no message id to send it under.
    """
    try:
        json.dumps(message, allow_nan=False, ensure_ascii=False).encode()
    except (TypeError, ValueError):  # UnicodeEncodeError is a ValueError
        return {"not_strict_json": json.dumps(message, default=repr)}
    return message


def message_id(message: dict[str, Any]) -> uuid.UUID:
    """The message's id; for a message without a valid one, an id made from
    its content, the same each time the same message fails."""
    try:
        return uuid.UUID(str(message["id"]))
    except (KeyError, TypeError, ValueError):  # no id, not a dict, not a UUID
        content = json.dumps(message, sort_keys=True, default=str)
        return uuid.uuid5(uuid.NAMESPACE_URL, f"reading-club:message:{content}")


def resolve_dead_letter(
    connection: Connection, message_id: uuid.UUID, consumer: str
) -> None:
    """Forget the dead letter of a message that ``consumer`` has now handled."""
    letters = tables.dead_letters
    connection.execute(
        delete(letters).where(
            letters.c.message_id == message_id, letters.c.consumer == consumer
        )
    )


def dead_letters(
    connection: Connection, of: Collection[uuid.UUID] | None = None
) -> list[DeadLetter]:
    """Every dead letter, or those of the messages ``of``; the oldest first."""
    letters = tables.dead_letters
    query = select(letters).order_by(letters.c.first_failed_at, letters.c.message_id)
    if of is not None:
        query = query.where(letters.c.message_id.in_(of))
    return [DeadLetter(**row._asdict()) for row in connection.execute(query)]


def mark_replayed(connection: Connection, letter: DeadLetter) -> None:
    """Note that ``letter`` was sent again to its consumer, now: unless the
    replay has failed already, and the letter is back, waiting again."""
    letters = tables.dead_letters
    connection.execute(
        update(letters)
        .where(
            letters.c.message_id == letter.message_id,
            letters.c.consumer == letter.consumer,
            letters.c.last_failed_at == letter.last_failed_at,
        )
        .values(replayed_at=datetime.now(UTC))
    )
