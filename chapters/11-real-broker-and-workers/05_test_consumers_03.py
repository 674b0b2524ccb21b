from collections.abc import Iterator

import pytest
from celery import Celery
from messagebus import AsyncMessageBus
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club import bootstrap
from reading_club.domain.messages import RegisterBook
from reading_club.service.unit_of_work import AbstractUnitOfWork

from effects import assert_counted, assert_notified
from holding import Hold
from processes import Workers


@pytest.fixture
def uow(
    shared_engine: AsyncEngine, club_celery: Celery, workers: Workers
) -> AbstractUnitOfWork:
    """In this module, the unit of work publishes to the real Redis, where a
    worker of each consumer listens."""
    return bootstrap.request_unit_of_work(shared_engine, club_celery)


@pytest.fixture
def slow_mail_server(session_hold: Hold) -> Iterator[None]:
    """The members' e-mails wait until the test ends: a mail server is
    never instant, and this one is slower than any test."""
    session_hold.arm("mail_server")
    yield
    session_hold.release()


async def test_a_registered_book_reaches_every_consumer(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    uow: AbstractUnitOfWork,
    workers: Workers,
    reader: Engine,
    slow_mail_server: None,
    register_dune: RegisterBook,
) -> None:
    async with uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.commit()

    assert_notified(workers.notifications, register_dune)
    assert_counted(reader, "Frank Herbert", 1)
