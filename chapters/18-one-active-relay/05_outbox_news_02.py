"""How a relay learns that the outbox may have something to send.

On PostgreSQL, a trigger notifies the channel ``club_outbox`` each time a
transaction stores messages (migration 0002), and the relay listens: it
hears of a commit within milliseconds, and asks the database little while
nothing happens. A notification is only a wake-up, never what the relay
sends: one sent while the relay was not listening is lost, so the relay
also looks on a timer, and looks once as it starts.

SQLite has no notifications: the relay looks every ``POLL`` seconds.
"""

import abc
import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import NullPool

from reading_club.adapters.sql.engine import create_engine

CHANNEL = "club_outbox"
POLL = 0.05
"""Seconds between two looks of a relay that hears no notifications."""
FALLBACK = 1.0
"""Seconds between two looks of a relay that listens, at most."""


class OutboxNews(abc.ABC):
    """What wakes an idle relay."""

    @abc.abstractmethod
    async def wait(self) -> None:
        """Return when the outbox may have something new to send."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop listening."""


def outbox_news(engine: AsyncEngine) -> OutboxNews:
    if engine.url.get_backend_name() == "postgresql":
        return Notifications(engine.url.render_as_string(hide_password=False))
    return Polling()


class Polling(OutboxNews):
    """A look every ``POLL`` seconds."""

    async def wait(self) -> None:
        await asyncio.sleep(POLL)

    async def close(self) -> None:
        pass


class Notifications(OutboxNews):
    """``LISTEN club_outbox``, on a connection of its own."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, poolclass=NullPool)
        self.connection: AsyncConnection | None = None

    async def wait(self) -> None:
        if self.connection is None:
            # Listening starts now: what was committed before, the relay finds
            # by looking, as it does after this first wait.
            connection = await self.engine.connect()
            connection = await connection.execution_options(
                isolation_level="AUTOCOMMIT"
            )
            await connection.execute(text(f"LISTEN {CHANNEL}"))
            self.connection = connection
            return
        raw = await self.connection.get_raw_connection()
        psycopg = raw.driver_connection  # psycopg's own AsyncConnection
        assert psycopg is not None, "an open connection has its driver's"
        try:
            # Ends after the first notification, or after FALLBACK seconds.
            async for _ in psycopg.notifies(timeout=FALLBACK, stop_after=1):
                pass
        except Exception:
            await self.close()  # listen again, on a new connection, next time
            raise

    async def close(self) -> None:
        if self.connection is not None:
            connection, self.connection = self.connection, None
            await connection.invalidate()  # a listening session is not reused
        await self.engine.dispose()
