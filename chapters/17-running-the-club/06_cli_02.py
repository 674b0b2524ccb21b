"""``reading-club``: the one command that runs each program of the club.

Every program takes its settings from the environment (``CLUB_DATABASE_URL``,
``CLUB_BROKER_URL`` and the others of ``reading_club.settings``), and stops
at once, naming the setting, when one is missing or malformed.

    reading-club db upgrade          the schema, to the code's revision
    reading-club api --port 8000     the HTTP API
    reading-club relay               the outbox, sent to the broker
    reading-club worker [celery worker's options]
    reading-club dead-letters list|show|replay
    reading-club catalogue           the books counted for each author
    reading-club prune-inbox         forget what consumers handled long ago
"""

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import click
import uvicorn
from sqlalchemy import Engine

from reading_club.adapters.sql import migrations
from reading_club.adapters.sql.catalogue import every_count
from reading_club.adapters.sql.dead_letters import DeadLetter
from reading_club.adapters.sql.engine import create_engine, create_sync_engine
from reading_club.adapters.sql.inbox import prune_inbox
from reading_club.entrypoints import dead_letters as operator
from reading_club.entrypoints import relay as relay_program
from reading_club.entrypoints.api import create_app
from reading_club.settings import Settings, SettingsError, book_data_url, database_url

T = TypeVar("T")
log = logging.getLogger("reading_club")


def setting(read: Callable[[], T]) -> T:
    """What ``read`` takes from the environment, or the program stops, with
    the setting named, and exit status 1."""
    try:
        return read()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


@click.group()
def main() -> None:
    """The reading club's programs, and its database."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )


@main.group()
def db() -> None:
    """The club's database schema (CLUB_DATABASE_URL)."""


@db.command()
def upgrade() -> None:
    """Upgrade the schema to the code's, by its Alembic migrations."""
    engine = create_sync_engine(setting(database_url))
    try:
        migrations.upgrade(engine)
    except migrations.SchemaError as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine.dispose()
    click.echo(f"the database is at revision {migrations.head_revision()}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
def api(host: str, port: int) -> None:
    """Serve the HTTP API (CLUB_DATABASE_URL)."""
    engine = create_engine(setting(database_url))
    uvicorn.run(create_app(engine), host=host, port=port, log_config=None)


@main.command()
def relay() -> None:
    """Send the outbox to the broker, until SIGTERM or SIGINT."""
    asyncio.run(relay_program.run(setting(Settings.from_environment)))


@main.command(
    context_settings={"ignore_unknown_options": True, "help_option_names": []}
)
@click.argument("options", nargs=-1, type=click.UNPROCESSED)
def worker(options: tuple[str, ...]) -> None:
    """Run a worker of the catalogue: celery worker, with its OPTIONS."""
    setting(Settings.from_environment)
    setting(book_data_url)
    # Imported here, where it is needed: the worker's module reads its
    # settings as it is imported, and the other programs need none of them.
    from reading_club.entrypoints.worker import app  # noqa: PLC0415

    app.worker_main(["worker", *options])


MESSAGE_IDS = click.argument("message_ids", nargs=-1, required=True, type=click.UUID)


@main.group("dead-letters")
def dead_letters() -> None:
    """The messages consumers gave up on (CLUB_DATABASE_URL)."""


@dead_letters.command("list")
def list_dead_letters() -> None:
    """Every dead letter, the oldest first."""
    engine = create_sync_engine(setting(database_url))
    operator.print_list(engine)
    engine.dispose()


@dead_letters.command("show")
@MESSAGE_IDS
def show_dead_letters(message_ids: tuple[uuid.UUID, ...]) -> None:
    """Messages' dead letters, with the traceback of each last failure."""
    engine = create_sync_engine(setting(database_url))
    operator.print_letters(letters_of(engine, message_ids))
    engine.dispose()


@dead_letters.command("replay")
@MESSAGE_IDS
def replay_dead_letters(message_ids: tuple[uuid.UUID, ...]) -> None:
    """Send messages again to the consumers that gave up on them, once the
    cause is fixed (CLUB_BROKER_URL too)."""
    settings = setting(Settings.from_environment)
    engine = create_sync_engine(settings.database_url)
    operator.replay(engine, letters_of(engine, message_ids), settings)
    engine.dispose()


def letters_of(engine: Engine, message_ids: tuple[uuid.UUID, ...]) -> list[DeadLetter]:
    if not (letters := operator.letters_of(engine, list(message_ids))):
        engine.dispose()
        raise click.ClickException("no dead letter of these messages")
    return letters


@main.command()
def catalogue() -> None:
    """The books the catalogue counted for each author."""
    engine = create_sync_engine(setting(database_url))
    with engine.connect() as connection:
        counts = every_count(connection)
    engine.dispose()
    for author, books in counts:
        click.echo(f"{books:6}  {author}")


@main.command("prune-inbox")
@click.option("--keep-days", default=7.0, show_default=True)
def prune_inbox_command(keep_days: float) -> None:
    """Forget the messages consumers handled more than KEEP_DAYS ago. Run it
    every day, from cron or a scheduler."""
    engine = create_sync_engine(setting(database_url))
    cutoff = datetime.now(UTC) - timedelta(days=keep_days)
    log.info("forgot %d messages", prune_inbox(engine, cutoff))
    engine.dispose()
