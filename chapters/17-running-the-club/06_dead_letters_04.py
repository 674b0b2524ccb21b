"""The dead letters, for an operator: ``reading-club dead-letters``.

``list`` shows every dead letter; ``show MESSAGE_ID…`` those of some
messages, with each message and the traceback of its last failure;
``replay MESSAGE_ID…`` sends each message again to each consumer that gave
up on it, once the cause is fixed. A replay goes the way every message
goes, through the broker to the consumer's workers: a consumer that handled
part of the message before it failed finds that part in its inbox, and does
not do it twice. The dead letter stays until the consumer has handled the
message; if it fails again, it is back, with its attempts added up.

It reads ``CLUB_DATABASE_URL``, and ``CLUB_BROKER_URL`` to replay.
"""

import json
import uuid

from sqlalchemy import Engine

from reading_club import bootstrap
from reading_club.adapters.sql.dead_letters import (
    DeadLetter,
    dead_letters,
    mark_replayed,
)
from reading_club.routes import ROUTES
from reading_club.settings import Settings

TIME = "%Y-%m-%d %H:%M:%S"  # in UTC, as the database keeps it
CONSUMERS = {
    consumer.queue: consumer for route in ROUTES.values() for consumer in route
}


def letters_of(engine: Engine, message_ids: list[uuid.UUID]) -> list[DeadLetter]:
    with engine.connect() as connection:
        return dead_letters(connection, of=message_ids)


def print_list(engine: Engine) -> None:
    with engine.connect() as connection:
        letters = dead_letters(connection)
    for letter in letters:
        replayed = letter.replayed_at and f", replayed {letter.replayed_at:{TIME}}"
        print(
            f"{letter.message_id} {letter.consumer}: "
            f"{counted(letter.attempts, 'attempt')}, "
            f"last {letter.last_failed_at:{TIME}}{replayed or ''}: {letter.error}"
        )
    print(counted(len(letters), "dead letter"))


def print_letters(letters: list[DeadLetter]) -> None:
    for letter in letters:
        print(f"message {letter.message_id}, for {letter.consumer}")
        print(
            f"{counted(letter.attempts, 'attempt')}, "
            f"first failed {letter.first_failed_at:{TIME}}, "
            f"last {letter.last_failed_at:{TIME}}"
        )
        print(json.dumps(letter.message, indent=2))
        print(letter.traceback, end="")


def counted(number: int, thing: str) -> str:
    return f"{number} {thing}{'' if number == 1 else 's'}"


def replay(engine: Engine, letters: list[DeadLetter], settings: Settings) -> None:
    """Send each letter's message to its consumer, then note the replay.

    In that order: a replay noted and never sent would look done, while one
    sent and not noted is at worst sent again by the operator, and the
    consumer's inbox absorbs it.
    """
    celery = bootstrap.sending_celery(settings.broker_url, settings.broker_timeout)
    transport = bootstrap.relay_transport(celery)
    try:
        for letter in letters:
            if "id" not in letter.message:
                print(f"not replayed {letter.message_id}: the message has no id")
                continue
            transport.send_to(CONSUMERS[letter.consumer], letter.message)
            with engine.begin() as connection:
                mark_replayed(connection, letter)
            print(f"replayed {letter.message_id} to {letter.consumer}")
    finally:
        celery.close()
