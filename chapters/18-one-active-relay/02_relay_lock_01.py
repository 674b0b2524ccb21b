"""One active relay at a time: a lock that the active relay holds while it
lives, and that the others, standing by, try to take.

Nothing is written to take it, and nothing needs to be cleaned up after a
relay dies: the lock goes with the process that held it.

- On PostgreSQL, a session-level advisory lock, on a connection that the
  relay opens for the lock alone. PostgreSQL releases it when that session
  ends, as it does when the relay's process dies.
- On SQLite, every program of the club runs on one machine: an exclusive
  ``flock`` on a file beside the database, which the operating system
  releases when the process dies.
"""

import abc
import contextlib
import fcntl
import os
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from sqlalchemy import TextClause, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import NullPool

from reading_club.adapters.sql.engine import create_engine

NETWORK_CUT = {
    # libpq's settings for the lock's TCP connection: data unacknowledged
    # for a second, or a silent peer that misses two keepalives a second
    # apart, fail the connection, and the check of the lock with it.
    "tcp_user_timeout": 1000,
    "keepalives": 1,
    "keepalives_idle": 1,
    "keepalives_interval": 1,
    "keepalives_count": 2,
}
ADVISORY_KEY = 0x636C_7562
"""The key of the relays' advisory lock: "club", in ASCII. Any number would
do that no other program takes on the same database."""


class RelayLock(abc.ABC):
    """The lock of the active relay."""

    @property
    @abc.abstractmethod
    def loss_noticed_within(self) -> float:
        """Seconds a check of the lock takes, at most, to fail once the lock
        is lost: a relay that takes over waits that long, and more, for the
        one that lost it to stop."""

    @abc.abstractmethod
    async def try_to_take(self) -> bool:
        """Take the lock if no other relay holds it; whether this one does."""

    @abc.abstractmethod
    async def still_held(self) -> bool:
        """Whether this relay holds the lock yet: a relay that lost it must
        stop sending, since another may have taken it."""

    @abc.abstractmethod
    async def release(self) -> None:
        """Give the lock up, for a standby to take it."""

    def fence(self) -> TextClause | None:
        """A condition for the relay's claims, true only while this relay
        holds the lock: a relay that lost it, and has not noticed yet,
        claims nothing more. None where the database cannot tell."""
        return None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.release()


def relay_lock(engine: AsyncEngine) -> RelayLock:
    """The lock of the relays of the club's database."""
    url = engine.url
    if url.get_backend_name() == "postgresql":
        return AdvisoryLock(url.render_as_string(hide_password=False))
    if url.database in (None, "", ":memory:"):
        raise ValueError("the relays of an in-memory SQLite have nothing to share")
    return FileLock(Path(f"{url.database}.relay-lock"))


class AdvisoryLock(RelayLock):
    """PostgreSQL's session-level advisory lock, on a connection of its own.

    Not a connection of the relay's pool: a pool gives a connection back
    with the lock still held (it only rolls back), and a pool that
    reconnects silently (``pool_pre_ping``) would give the relay a new
    session, which does not hold the lock, while a standby takes it.
    """

    # On a network cut, NETWORK_CUT's keepalives: 1 s idle, then two probes a
    # second apart.
    loss_noticed_within = 3.0

    def __init__(self, url: str) -> None:
        # A Unix socket ignores the TCP settings.
        self.engine = create_engine(url, poolclass=NullPool, connect_args=NETWORK_CUT)
        self.connection: AsyncConnection | None = None
        self.backend: int | None = None  # the lock's session, on the server

    async def try_to_take(self) -> bool:
        if self.connection is None:
            connection = await self.engine.connect()
            self.connection = await connection.execution_options(
                isolation_level="AUTOCOMMIT"
            )
        try:
            taken, self.backend = (
                await self.connection.execute(
                    text("SELECT pg_try_advisory_lock(:key), pg_backend_pid()"),
                    {"key": ADVISORY_KEY},
                )
            ).one()
        except DBAPIError:  # a server restarted, say: a new session next time
            await self._close()
            return False
        return bool(taken)

    def fence(self) -> TextClause | None:
        """The lock's session holds it still, as the claim's own transaction
        sees it: checked in the statement that claims."""
        return text(
            "EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
            " AND granted AND classid = 0 AND objid = :fence_key"
            " AND objsubid = 1 AND pid = :fence_pid)"
        ).bindparams(fence_key=ADVISORY_KEY, fence_pid=self.backend or 0)

    async def still_held(self) -> bool:
        if self.connection is None:
            return False
        check = self.connection.scalar(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                " AND pid = pg_backend_pid() AND granted"
                # The one-number form of the key: its high half, its low
                # half, and 1 (2 is the form of two numbers).
                " AND classid = 0 AND objid = :key AND objsubid = 1"
            ),
            {"key": ADVISORY_KEY},
        )
        try:
            held = await check
        except DBAPIError:  # the session is gone, or out of reach
            connection, self.connection = self.connection, None
            await connection.invalidate()  # no round trip to a server gone
            return False
        return bool(held)

    async def release(self) -> None:
        if self.connection is not None:
            # Closing the connection ends the session, and its locks, but
            # the server notices a moment later: a standby trying at once
            # would fail. Unlocking first hands the lock over now.
            with contextlib.suppress(DBAPIError):
                await self.connection.execute(text("SELECT pg_advisory_unlock_all()"))
        await self._close()
        await self.engine.dispose()

    async def _close(self) -> None:
        if self.connection is not None:
            connection, self.connection = self.connection, None
            try:
                await connection.close()
            except DBAPIError:
                await connection.invalidate()


class FileLock(RelayLock):
    """An exclusive ``flock`` on ``path``, which holds nothing else."""

    # A look at a local file fails at once; half a second for a check that
    # runs late on a busy machine.
    loss_noticed_within = 0.5

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file: IO[bytes] | None = None  # open while the lock is held

    async def try_to_take(self) -> bool:
        if self.file is not None:
            return True
        file = self.path.open("ab")
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            return False
        self.file = file
        # The file may have been replaced between the open and the lock.
        return await self.still_held()

    async def still_held(self) -> bool:
        """Held, and on the file at ``path``: a lock on a file that was
        deleted, or replaced, keeps no other relay out."""
        if self.file is None:
            return False
        try:
            named, opened = self.path.stat(), os.fstat(self.file.fileno())
        except FileNotFoundError:
            held = False
        else:
            held = (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)
        if not held:
            await self.release()
        return held

    async def release(self) -> None:
        if self.file is not None:
            self.file.close()  # closing the file releases its lock
            self.file = None
