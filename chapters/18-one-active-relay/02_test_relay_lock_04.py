"""The relays' lock, on each database: one holder at a time, and a holder
that loses it knows."""

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.adapters.sql.outbox import claim_batch
from reading_club.adapters.sql.relay_lock import AdvisoryLock, FileLock, relay_lock

from test_two_relays import store_events

BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


@BOTH
async def test_one_relay_holds_the_lock_until_it_gives_it_up(
    shared_engine: AsyncEngine,
) -> None:
    async with relay_lock(shared_engine) as first, relay_lock(shared_engine) as second:
        assert (await first.try_to_take(), await second.try_to_take()) == (True, False)
        assert (await first.still_held(), await second.still_held()) == (True, False)

        await first.release()

        assert await second.try_to_take()
        assert not await first.still_held()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_relay_whose_session_ends_has_lost_the_lock(
    shared_engine: AsyncEngine,
) -> None:
    async with relay_lock(shared_engine) as lock, relay_lock(shared_engine) as standby:
        assert isinstance(lock, AdvisoryLock) and await lock.try_to_take()
        async with shared_engine.begin() as connection:
            # What a restarted server, or a killed backend, does to the
            # session; and wait up to 5 s for the backend to be gone.
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid, 5000) FROM pg_locks"
                    " WHERE locktype = 'advisory' AND granted"
                )
            )

        assert not await lock.still_held()
        assert await standby.try_to_take()
        assert not await lock.try_to_take()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_relay_whose_lock_file_was_replaced_has_lost_the_lock(
    shared_engine: AsyncEngine,
) -> None:
    async with relay_lock(shared_engine) as lock, relay_lock(shared_engine) as standby:
        assert isinstance(lock, FileLock) and await lock.try_to_take()

        lock.path.unlink()  # an operator cleaning up, say

        assert not await lock.still_held()
        assert await standby.try_to_take()
        assert not await lock.try_to_take()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_relay_that_lost_the_lock_claims_nothing_more(
    shared_engine: AsyncEngine,
) -> None:
    await store_events(shared_engine, 2)
    async with relay_lock(shared_engine) as lock:
        assert await lock.try_to_take()
        fence = lock.fence()
        async with shared_engine.begin() as connection:
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid, 5000) FROM pg_locks"
                    " WHERE locktype = 'advisory' AND granted"
                )
            )

        lost = await claim_batch(shared_engine, "lost", 2, lease=300, fence=fence)
        held = await claim_batch(shared_engine, "unfenced", 2, lease=300)

    assert (len(lost), len(held)) == (0, 2)
