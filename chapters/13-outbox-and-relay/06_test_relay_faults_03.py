import asyncio
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

import pytest
from celery import Celery
from messagebus import AsyncMessageBus
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql.outbox import outbox_unit_of_work, relay_batch
from reading_club.adapters.sql.unit_of_work import SqlUnitOfWork
from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book
from reading_club.entrypoints.books import register_book
from reading_club.entrypoints.relay import ROUTES
from reading_club.service.unit_of_work import AbstractUnitOfWork

from catalogue import numbered_registration
from effects import Effects
from fake_celery import FakeCeleryClient
from probing import probe, probe_never

DELIVERY_TIMEOUT = 5.0

QUIET_INTERVAL = 0.3
"""Seconds to watch for a second delivery: six times what the slowest
consumer takes, 50 ms, when the message does come."""


class RelayKilled(BaseException):
    """Stands for the relay's death: like a SIGKILL, no ``except Exception``
    stops it, and the transaction it interrupts never commits."""


class DiesAfterSending(CeleryTransport):
    """Hands the batch to the broker, then dies before the relay can commit."""

    def send_many(self, messages: Iterable[Mapping[str, Any]]) -> None:
        super().send_many(messages)
        raise RelayKilled


@pytest.fixture
def outbox_uow(shared_engine: AsyncEngine) -> SqlUnitOfWork:
    return outbox_unit_of_work(shared_engine)


async def test_a_relay_that_dies_before_its_commit_sends_twice(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    outbox_uow: SqlUnitOfWork,
    shared_engine: AsyncEngine,
    club_celery: Celery,
    effects: Effects,
    register_dune: RegisterBook,
    dune: Book,
) -> None:
    await register_book(register_dune, bus=bus, uow=outbox_uow)
    with pytest.raises(RelayKilled):
        await relay_batch(shared_engine, DiesAfterSending(club_celery, ROUTES))
    # The relay starts again, and finds the message still unsent.
    assert await relay_batch(shared_engine, CeleryTransport(club_celery, ROUTES)) == 1

    # At least once: the consumers must expect duplicates (chapter 14).
    twice = partial(assert_received_times, effects, dune, 2)
    await asyncio.to_thread(probe, twice, DELIVERY_TIMEOUT)
    await asyncio.to_thread(probe_never, twice, QUIET_INTERVAL)


def assert_received_times(effects: Effects, book: Book, expected: int) -> None:
    times = effects.book_ids("catalogue").count(str(book.id))
    assert times == expected, f"the catalogue received {book.title} {times} times"


async def test_a_message_that_commits_late_is_sent_all_the_same(
    bus: AsyncMessageBus[AbstractUnitOfWork], postgres_engine: AsyncEngine
) -> None:
    client = FakeCeleryClient()
    transport = CeleryTransport(client, ROUTES)
    slow: AbstractUnitOfWork = outbox_unit_of_work(postgres_engine)
    quick = outbox_unit_of_work(postgres_engine)

    async with slow as transaction:
        # Its event is made, and stored, first; the commit comes last.
        await bus.handle(numbered_registration(1, "Dune"), transaction)
        await register_book(numbered_registration(2, "Emma"), bus=bus, uow=quick)
        assert await relay_batch(postgres_engine, transport) == 1
        await transaction.commit()
    assert await relay_batch(postgres_engine, transport) == 1

    assert client.titles_sent_to("catalogue") == ["Emma", "Dune"]
    catalogue = [task for task in client.sent if task.queue == "catalogue"]
    emma, dune = [task.kwargs["message"] for task in catalogue]
    assert dune["created_at"] < emma["created_at"]
