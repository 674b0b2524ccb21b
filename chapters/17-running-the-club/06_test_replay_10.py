import asyncio
import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Engine

from reading_club.adapters.sql.dead_letters import dead_letters
from reading_club.domain.model import Book

from book_data_stand_in import BookDataStandIn
from effects import assert_counted, assert_dead_letter, assert_indexed
from probing import probe
from processes import Workers

TIMEOUT = 3.0
"""Seconds the programs may take to handle a message, or to give up on it."""

SRC = Path(__file__).parents[1] / "src"


def dead_letters_program(*arguments: str, database_url: str, broker_url: str) -> str:
    """Run ``reading-club dead-letters``; its output."""
    program = [sys.executable, "-m", "reading_club", "dead-letters"]
    env = {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "CLUB_DATABASE_URL": database_url,
        "CLUB_BROKER_URL": broker_url,
    }
    done = subprocess.run(
        [*program, *arguments], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def assert_no_dead_letter(reader: Engine) -> None:
    with reader.connect() as connection:
        left = dead_letters(connection)
    assert not left, f"dead letters left: {[letter.error for letter in left]}"


@pytest.fixture
def operator(database_url: str, redis_url: str) -> partial[str]:
    """The dead letters' program, as an operator runs it, against the club's
    database and broker."""
    return partial(
        dead_letters_program, database_url=database_url, broker_url=redis_url
    )


async def test_a_dead_letter_replayed_after_the_fix_is_handled_once(
    refused: BookDataStandIn,
    registered: Book,
    workers: Workers,
    reader: Engine,
    operator: partial[str],
) -> None:
    kept = partial(assert_dead_letter, reader, registered, attempts=1)
    letter = await asyncio.to_thread(probe, kept, TIMEOUT)

    print(operator("list"))
    refused.reset()  # The other team adds Dune's ISBN.
    print(operator("replay", str(letter.message_id)))

    indexed = partial(assert_indexed, reader, workers.catalogue, registered)
    await asyncio.to_thread(probe, indexed, TIMEOUT)
    await asyncio.to_thread(probe, partial(assert_no_dead_letter, reader), TIMEOUT)
    assert_counted(reader, "Frank Herbert", 1)  # by the first delivery only


async def test_a_poison_message_replayed_comes_back_with_its_attempts(
    refused: BookDataStandIn, registered: Book, reader: Engine, operator: partial[str]
) -> None:
    kept = partial(assert_dead_letter, reader, registered, attempts=1)
    letter = await asyncio.to_thread(probe, kept, TIMEOUT)

    operator("replay", str(letter.message_id))

    back = partial(assert_dead_letter, reader, registered, attempts=2)
    letter = await asyncio.to_thread(probe, back, TIMEOUT)
    assert letter.replayed_at is None, "a replay that failed waits for the next"
    assert refused.asked(registered) == 2
    print(operator("show", str(letter.message_id)))
