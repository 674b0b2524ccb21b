from messagebus import AsyncMessageBus
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.celery_transport import CeleryTransport
from reading_club.adapters.sql.outbox import outbox_unit_of_work, relay_batch
from reading_club.entrypoints.books import register_book
from reading_club.entrypoints.relay import ROUTES
from reading_club.service.unit_of_work import AbstractUnitOfWork

from catalogue import numbered_registration
from fake_celery import FakeCeleryClient


async def test_a_retried_registration_is_relayed_once(
    bus: AsyncMessageBus[AbstractUnitOfWork], engine: AsyncEngine
) -> None:
    # The same command twice: a client that retried, or a task redelivered.
    command = numbered_registration(1, "Dune")
    for _ in range(2):
        await register_book(command, bus=bus, uow=outbox_unit_of_work(engine))

    celery_client = FakeCeleryClient()
    assert await relay_batch(engine, CeleryTransport(celery_client, ROUTES)) == 1
    assert celery_client.titles_sent_to("catalogue") == ["Dune"]
