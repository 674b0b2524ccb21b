"""What the search for lost messages needs around it: the migration that
adds its columns, the pruning of its counts, Redis's answer about a queue,
and the checks of its settings."""

from datetime import UTC, datetime, timedelta

import pytest
import redis
from celery import Celery
from lastuuid import uuid7
from sqlalchemy import select

from reading_club.adapters.broker_queues import waiting_in
from reading_club.adapters.sql import tables
from reading_club.adapters.sql.engine import create_sync_engine
from reading_club.adapters.sql.inbox import prune_inbox
from reading_club.adapters.sql.migrations import upgrade
from reading_club.routes import CATALOGUE
from reading_club.settings import Settings, SettingsError


def test_what_was_received_before_the_upgrade_counts_as_finished(
    new_database_url: str,
) -> None:
    engine = create_sync_engine(new_database_url)
    upgrade(engine, "0002")  # the schema before the search
    received = datetime.now(UTC) - timedelta(minutes=5)
    with engine.begin() as connection:
        connection.execute(  # the columns of migration 0001
            tables.inbox.insert().values(
                message_id=uuid7(), consumer=CATALOGUE.queue, received_at=received
            )
        )

    upgrade(engine)

    with engine.connect() as connection:
        finished = connection.scalar(select(tables.inbox.c.finished_at))
    engine.dispose()
    # Left empty, it would make the relay send a day of messages again.
    assert finished == received


def test_pruning_the_inbox_forgets_old_copies(new_database_url: str) -> None:
    engine = create_sync_engine(new_database_url)
    upgrade(engine)
    now = datetime.now(UTC)
    old, recent = uuid7(), uuid7()
    with engine.begin() as connection:
        for message_id, days in ((old, 8), (recent, 1)):
            connection.execute(
                tables.resends.insert().values(
                    message_id=message_id,
                    consumer=CATALOGUE.queue,
                    times=1,
                    last_sent_at=now - timedelta(days=days),
                )
            )

    prune_inbox(engine, received_before=now - timedelta(days=7))

    with engine.connect() as connection:
        kept = connection.scalars(select(tables.resends.c.message_id)).all()
    engine.dispose()
    assert kept == [recent]


def test_redis_says_how_many_messages_wait_in_a_queue(
    club_celery: Celery, redis_url: str
) -> None:
    queue = f"nobody-reads-{uuid7()}"
    assert waiting_in(club_celery, queue) == 0  # Redis has no empty lists
    club_celery.send_task("nobody.runs_this", queue=queue)
    club_celery.send_task("nobody.runs_this", queue=queue, priority=9)
    try:
        assert waiting_in(club_celery, queue) == 2  # in two lists
    finally:
        with redis.Redis.from_url(redis_url) as client:
            client.delete(*client.keys(f"{queue}*"))


@pytest.mark.parametrize(
    ("settings", "error"),
    [
        ({"CLUB_LOST_AFTER": "600"}, "CLUB_LOST_AFTER=600 must be more than the"),
        ({"CLUB_LOST_WITHIN": "3600"}, "CLUB_LOST_WITHIN=3600 must be more than"),
    ],
    ids=["lost-before-redelivery", "window-ends-before-it-begins"],
)
def test_a_look_that_cannot_tell_late_from_lost_is_refused(
    settings: dict[str, str], error: str
) -> None:
    environ = {
        "CLUB_DATABASE_URL": "sqlite:////var/lib/club/club.sqlite",
        "CLUB_BROKER_URL": "redis://localhost:6379/0",
        "CLUB_REDELIVERY_TIMEOUT": "900",
        **settings,
    }
    with pytest.raises(SettingsError, match=error):
        Settings.from_environment(environ)
