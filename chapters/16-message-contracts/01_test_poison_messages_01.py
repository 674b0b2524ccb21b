"""Messages the catalogue cannot read: each is kept as a dead letter, with
the reason, at its first attempt, and the worker goes on with the next."""

import asyncio
import json
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
import redis
from celery import Celery
from kombu import Connection
from sqlalchemy import Engine, select

from reading_club.adapters.sql import tables
from reading_club.adapters.sql.dead_letters import DeadLetter, dead_letters
from reading_club.domain.model import Book
from reading_club.routes import CATALOGUE

from book_data_stand_in import BookDataStandIn
from catalogue_workers import CatalogueWorkers, store_books
from effects import assert_counted
from probing import probe
from programs import Program

TIMEOUT = 5.0
"""Seconds the worker may take to keep every poison message."""


def dune_with(dune: dict[str, Any], **changes: object) -> dict[str, Any]:
    """Dune's registration, under an id of its own, with ``changes``: to
    the envelope, or to the payload's fields as ``payload={...}``."""
    payload = json.loads(dune["payload"]) | changes.pop("payload", {})
    message = dune | {"id": str(uuid.uuid4()), "payload": json.dumps(payload)}
    return message | changes


POISON: dict[str, tuple[Callable[[dict[str, Any]], dict[str, Any]], str]] = {
    "malformed JSON": (
        lambda dune: dune_with(dune) | {"payload": '{"id": "dune", '},
        "a payload that is not JSON",
    ),
    "an unknown type": (
        lambda dune: dune_with(dune, type="book_lent_v1"),
        "an unknown type of message: 'book_lent_v1'",
    ),
    "an unknown version": (
        lambda dune: dune_with(dune, type="book_registered_v7"),
        "an unknown version of book_registered: book_registered_v7",
    ),
    "a missing field": (
        lambda dune: (
            dune_with(dune) | {"payload": json.dumps({"id": str(uuid.uuid4())})}
        ),
        "authors: Field required; isbn: Field required",
    ),
    "a wrong type": (
        lambda dune: dune_with(dune, payload={"authors": "Frank Herbert"}),
        "authors: Input should be a valid array",
    ),
    "a payload far too large": (
        lambda dune: dune_with(dune, payload={"title": "Dune" * 250_000}),
        "a payload of 1000",
    ),
}
"""Each kind of poison message, made from Dune's registration, and what the
dead letter must say of it."""


def send(celery: Celery, message: dict[str, Any], task: str = CATALOGUE.task) -> None:
    celery.send_task(task, kwargs={"message": message}, queue=CATALOGUE.queue)


def send_undecodable(broker_url: str) -> None:
    """A task whose body is not the JSON that its content type says."""
    with Connection(broker_url) as connection:
        connection.Producer().publish(
            b"{not json",
            routing_key=CATALOGUE.queue,
            content_type="application/json",
            content_encoding="utf-8",
            headers={"task": CATALOGUE.task, "id": str(uuid.uuid4())},
        )


WITHOUT_ID = {
    "an unknown task": "an unknown task: KeyError('catalogue.book_lent')",
    "a body that does not decode": "a body that does not decode: DecodeError(",
    "arguments the task does not take": (
        "arguments the task does not take: 0 positional, keywords ['book']"
    ),
}
"""Three more, which the tests find by what their dead letters say: kept as
they came, they carry no id of the club."""


def assert_handled(reader: Engine, message: dict[str, Any]) -> None:
    """``message`` is in the catalogue's inbox: the worker is done with it,
    and, taking one message at a time, with every message sent before it."""
    query = select(tables.inbox.c.message_id).where(
        tables.inbox.c.message_id == uuid.UUID(message["id"])
    )
    with reader.connect() as connection:
        assert connection.scalar(query), f"{message['id']} is not handled yet"


def books_by_author(reader: Engine) -> dict[str, int]:
    counts = select(tables.author_books.c.author, tables.author_books.c.books)
    with reader.connect() as connection:
        return {author: books for author, books in connection.execute(counts)}


def what_became_of(letters: list[DeadLetter], sent: dict[str, Any]) -> dict[str, str]:
    """For each kind of poison message, the reason of its dead letter."""
    reasons = {str(letter.message_id): letter.error for letter in letters}
    became = {kind: reasons.get(sent[kind]["id"], "no dead letter") for kind in POISON}
    for kind, reason in WITHOUT_ID.items():
        found = [error for error in reasons.values() if reason in error]
        became[kind] = found[0] if found else "no dead letter"
    return became


async def test_each_poison_message_is_kept_with_its_reason_at_once(
    catalogue_workers: CatalogueWorkers,
    catalogue_celery: Celery,
    catalogue_redis_url: str,
    book_data: BookDataStandIn,
    reader: Engine,
    dune: Book,
    dune_registered: dict[str, Any],
) -> None:
    store_books(reader, [dune])
    [worker] = catalogue_workers.start(1)
    sent = {kind: make(dune_registered) for kind, (make, _) in POISON.items()}
    for message in sent.values():
        send(catalogue_celery, message)
    # Two that Celery cannot run, an unknown task and a body that does not
    # decode, and arguments that the task does not take.
    send(catalogue_celery, dune_registered, task="catalogue.book_lent")
    send_undecodable(catalogue_redis_url)
    catalogue_celery.send_task(
        CATALOGUE.task, kwargs={"book": dune_registered}, queue=CATALOGUE.queue
    )
    send(catalogue_celery, dune_registered)  # and then a message it can read

    handled = partial(assert_handled, reader, dune_registered)
    await asyncio.to_thread(probe, handled, TIMEOUT)

    with reader.connect() as connection:
        letters = dead_letters(connection)
    became = what_became_of(letters, sent)
    expected = {kind: reason for kind, (_, reason) in POISON.items()} | WITHOUT_ID
    wrong = [
        f"{kind}: {became[kind]}"
        for kind, reason in expected.items()
        if reason not in became[kind]
    ]
    if wrong:
        counted = f"and the catalogue counts {books_by_author(reader)}"
        pytest.fail("\n".join(["not kept as it should be:", *wrong, counted]), False)
    assert len(letters) == len(expected), [letter.error for letter in letters]
    assert {letter.attempts for letter in letters} == {1}, "a poison message retried"
    assert_counted(reader, "Frank Herbert", 1)
    assert worker.running(), f"the worker stopped: {worker.tail()}"


def test_an_item_that_is_not_json_stops_the_worker_and_is_lost(
    catalogue_workers: CatalogueWorkers, catalogue_redis_url: str
) -> None:
    """kombu reads each item of a Redis list as JSON, before Celery sees it,
    and has no hook for one that is not: the worker stops, the item gone."""
    [worker] = catalogue_workers.start(1)

    with redis.Redis.from_url(catalogue_redis_url) as broker:
        broker.lpush(CATALOGUE.queue, "not a message at all")
        stopped = partial(assert_stopped, worker)
        probe(stopped, TIMEOUT)
        assert broker.llen(CATALOGUE.queue) == 0, "the item is still in its list"
        assert broker.hlen("unacked") == 0, "the item waits to be redelivered"


def assert_stopped(worker: Program) -> None:
    assert not worker.running(), "the worker still runs"
    [line] = worker.lines_with("Unrecoverable error")
    assert "JSONDecodeError('Expecting value: line 1 column 1 (char 0)')" in line


async def test_what_celery_cannot_run_waits_while_the_database_refuses_it(
    catalogue_workers: CatalogueWorkers,
    catalogue_redis_url: str,
    empty_database: Engine,
    reader: Engine,
) -> None:
    [worker] = catalogue_workers.start(1)
    tables.dead_letters.drop(reader)
    try:
        send_undecodable(catalogue_redis_url)
        refused = partial(assert_requeued, worker, times=1)
        await asyncio.to_thread(probe, refused, TIMEOUT)
    finally:
        tables.dead_letters.create(reader, checkfirst=True)

    kept = partial(assert_kept, reader, "a body that does not decode")
    await asyncio.to_thread(probe, kept, TIMEOUT)
    assert worker.running(), f"the worker stopped: {worker.tail()}"


def assert_requeued(worker: Program, times: int) -> None:
    requeued = len(worker.lines_with("could not be kept: requeued"))
    assert requeued >= times, f"{worker.name} requeued the message {requeued} times"


def assert_kept(reader: Engine, reason: str) -> None:
    with reader.connect() as connection:
        errors = [letter.error for letter in dead_letters(connection)]
    assert any(reason in error for error in errors), f"dead letters: {errors}"
