import pytest
from kombu.exceptions import OperationalError
from messagebus import AsyncMessageBus
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql import tables
from reading_club.adapters.sql.outbox import outbox_unit_of_work, relay_batch
from reading_club.adapters.sql.unit_of_work import SqlUnitOfWork
from reading_club.entrypoints.books import register_book
from reading_club.routes import ROUTES
from reading_club.service.unit_of_work import AbstractUnitOfWork

from catalogue import numbered_registration
from fake_celery import FakeCeleryClient
from fakes import EventStream


@pytest.fixture
def outbox_uow(engine: AsyncEngine) -> SqlUnitOfWork:
    return outbox_unit_of_work(engine)


@pytest.fixture
def celery_client() -> FakeCeleryClient:
    return FakeCeleryClient()


@pytest.fixture
def relay_transport(celery_client: FakeCeleryClient) -> CeleryTransport:
    return CeleryTransport(celery_client, ROUTES)


async def test_a_registration_sends_nothing_until_the_relay_runs(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    outbox_uow: SqlUnitOfWork,
    engine: AsyncEngine,
    celery_client: FakeCeleryClient,
    relay_transport: CeleryTransport,
) -> None:
    await register_book(numbered_registration(1, "Dune"), bus=bus, uow=outbox_uow)
    assert celery_client.sent == []

    assert await relay_batch(engine, relay_transport) == 1
    assert [task.queue for task in celery_client.sent] == ["notifications", "catalogue"]


async def test_a_message_is_relayed_once_and_marked_sent(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    outbox_uow: SqlUnitOfWork,
    engine: AsyncEngine,
    relay_transport: CeleryTransport,
) -> None:
    await register_book(numbered_registration(1, "Dune"), bus=bus, uow=outbox_uow)

    assert await relay_batch(engine, relay_transport) == 1
    assert await relay_batch(engine, relay_transport) == 0

    query = select(tables.messages.c.name, tables.messages.c.sent_at)
    async with engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    # The command is stored, and never sent: it is not meant for the stream.
    assert {name: sent_at is not None for name, sent_at in rows} == {
        "register_book": False,
        "book_registered": True,
    }


async def test_the_relay_sends_the_oldest_first_a_batch_at_a_time(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    outbox_uow: SqlUnitOfWork,
    engine: AsyncEngine,
    celery_client: FakeCeleryClient,
    relay_transport: CeleryTransport,
) -> None:
    titles = ["Dune", "Emma", "Kindred", "Middlemarch", "Solaris"]
    for number, title in enumerate(titles):
        await register_book(
            numbered_registration(number, title), bus=bus, uow=outbox_uow
        )

    assert await relay_batch(engine, relay_transport, batch_size=3) == 3
    assert await relay_batch(engine, relay_transport, batch_size=3) == 2
    assert celery_client.titles_sent_to("catalogue") == titles


async def test_the_relay_sends_what_the_bus_would_have_sent(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    sql_uow: SqlUnitOfWork,
    event_stream: EventStream,
    engine: AsyncEngine,
    celery_client: FakeCeleryClient,
    relay_transport: CeleryTransport,
) -> None:
    # sql_uow publishes to event_stream, as chapter 8's unit of work did.
    command = numbered_registration(1, "Cien años de soledad")
    await register_book(command, bus=bus, uow=sql_uow)

    await relay_batch(engine, relay_transport)
    assert [task.kwargs["message"] for task in celery_client.sent] == [
        event_stream[0],
        event_stream[0],
    ]


async def test_a_batch_that_the_broker_refuses_stays_unsent(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    outbox_uow: SqlUnitOfWork,
    engine: AsyncEngine,
    celery_client: FakeCeleryClient,
    relay_transport: CeleryTransport,
) -> None:
    await register_book(numbered_registration(1, "Dune"), bus=bus, uow=outbox_uow)
    celery_client.broker_is_up = False
    with pytest.raises(OperationalError):
        await relay_batch(engine, relay_transport)

    celery_client.broker_is_up = True
    assert await relay_batch(engine, relay_transport) == 1
    assert celery_client.titles_sent_to("catalogue") == ["Dune"]
