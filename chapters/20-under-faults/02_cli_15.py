"""``reading-club``: the one command that runs each program of the club.

Every program takes its settings from the environment (``CLUB_DATABASE_URL``,
``CLUB_BROKER_URL`` and the others of ``reading_club.settings``), and stops
at once, naming the setting, when one is missing or malformed. The API, the
relay and the worker also refuse a database that lacks the code's migrations.
Each command imports what it runs, inside itself: the API's process loads
no Celery worker, a worker's no web framework, and ``--help`` neither.

    reading-club db upgrade|current|downgrade REVISION|revision MESSAGE
    reading-club api --host 127.0.0.1 --port 8000
    reading-club relay
    reading-club worker [celery worker's options]
    reading-club dead-letters list|show|replay
    reading-club catalogue
    reading-club prune-inbox --keep-days 7
"""

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

import click
from sqlalchemy import Engine

from reading_club import logs
from reading_club.adapters.sql.engine import create_engine, create_sync_engine
from reading_club.settings import (
    Settings,
    SettingsError,
    book_data_url,
    database_url,
    log_format,
    lost_within,
)

if TYPE_CHECKING:
    from reading_club.adapters.sql.dead_letters import DeadLetter

T = TypeVar("T")
WORKER_APP = "reading_club.entrypoints.worker"
log = logging.getLogger("reading_club")


def setting(read: Callable[[], T]) -> T:
    """What ``read`` takes from the environment, or the program stops, with
    the setting named, and exit status 1."""
    try:
        return read()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


@contextmanager
def club_database(url: str | None = None) -> Iterator[Engine]:
    """The club's database (``CLUB_DATABASE_URL`` unless ``url``), for one
    command, its connections closed at the end whatever happens."""
    engine = create_sync_engine(url or setting(database_url))
    try:
        yield engine
    finally:
        engine.dispose()


def schema_is_current(url: str) -> None:
    """Stop if the database lacks migrations of the code: a program started
    on an older schema fails at its first query, or writes rows that the
    next migration does not expect. A database that newer code upgraded is
    fine: the old and the new programs run side by side while a deployment
    rolls out."""
    from reading_club.adapters.sql import migrations

    with club_database(url) as engine:
        current = migrations.current_revision(engine)
    if migrations.is_behind(current):
        raise click.ClickException(
            f"the database is at revision {current}, the code at "
            f"{migrations.head_revision()}: run reading-club db upgrade first"
        )


@click.group()
def main() -> None:
    """The reading club's programs, and its database (CLUB_LOG_FORMAT: text
    or json)."""
    logs.configure(setting(log_format))
    # Alembic tells what it runs, and more: the db commands let it speak.
    logging.getLogger("alembic").setLevel(logging.WARNING)


def alembic_speaks() -> None:
    """Log each migration that runs, as ``db upgrade`` and ``downgrade`` do."""
    logging.getLogger("alembic.runtime.migration").setLevel(logging.INFO)


@main.group()
def db() -> None:
    """The club's database schema (CLUB_DATABASE_URL)."""


@db.command()
def upgrade() -> None:
    """Upgrade the schema to the code's, by its Alembic migrations."""
    from alembic.util import CommandError

    from reading_club.adapters.sql import migrations

    alembic_speaks()
    with club_database() as engine:
        try:
            migrations.upgrade(engine)
        except (migrations.SchemaError, CommandError) as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"the database is at revision {migrations.current_revision(engine)}")


@db.command()
def current() -> None:
    """The revision the schema is at, and the code's."""
    from reading_club.adapters.sql import migrations

    with club_database() as engine:
        revision = migrations.current_revision(engine)
    click.echo(f"the database is at revision {revision}")
    click.echo(f"the code is at revision {migrations.head_revision()}")


@db.command()
@click.argument("revision")
@click.confirmation_option(
    prompt="Undo the later migrations, and lose what they added?"
)
def downgrade(revision: str) -> None:
    """Take the schema back to REVISION (base: no table at all), undoing the
    migrations after it, and losing what they added."""
    from reading_club.adapters.sql import migrations

    alembic_speaks()
    with club_database() as engine:
        migrations.downgrade(engine, revision)
        click.echo(f"the database is at revision {migrations.current_revision(engine)}")


@db.command()
@click.argument("message")
def revision(message: str) -> None:
    """Write the next migration: what makes the database (at the code's
    revision) match tables.py, as Alembic's autogenerate sees it. Read it,
    and complete it, before it runs anywhere."""
    from alembic.util import CommandError

    from reading_club.adapters.sql import migrations

    with club_database() as engine:
        try:
            written = migrations.write_revision(engine, message)
        except CommandError as error:  # a database behind the code, say
            raise click.ClickException(str(error)) from None
    if written is None:
        raise click.ClickException("the database and tables.py agree: nothing to write")
    click.echo(f"wrote {written}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
def api(host: str, port: int) -> None:
    """Serve the HTTP API (CLUB_DATABASE_URL)."""
    import uvicorn

    from reading_club.entrypoints.api import create_app

    url = setting(database_url)
    schema_is_current(url)
    app = create_app(create_engine(url))
    uvicorn.run(app, host=host, port=port, log_config=None)


@main.command()
def relay() -> None:
    """Send the outbox to the broker, until SIGTERM or SIGINT."""
    import asyncio

    from reading_club.entrypoints.relay import run

    settings = setting(Settings.from_environment)
    schema_is_current(settings.database_url)
    asyncio.run(run(settings))


@main.command(
    context_settings={"ignore_unknown_options": True, "help_option_names": []}
)
@click.argument("options", nargs=-1, type=click.UNPROCESSED)
def worker(options: tuple[str, ...]) -> None:
    """Run a worker of the catalogue: celery worker, with its OPTIONS."""
    settings = setting(Settings.from_environment)
    setting(book_data_url)
    schema_is_current(settings.database_url)
    from celery.bin.celery import celery

    # Celery's own command line, as `celery -A ... worker` runs it, with its
    # CELERY_* variables. Not app.worker_main: it drops the worker's exit
    # status, and a worker that failed would seem to have stopped. With JSON
    # lines, --quiet leaves out the banner Celery prints as it starts.
    quiet = ["--quiet"] if setting(log_format) == "json" else []
    status = celery.main(
        ["-A", WORKER_APP, *quiet, "worker", *options],
        prog_name="reading-club",
        auto_envvar_prefix="CELERY",
        standalone_mode=False,
    )
    raise SystemExit(status)


MESSAGE_IDS = click.argument("message_ids", nargs=-1, required=True, type=click.UUID)


@main.group("dead-letters")
def dead_letters() -> None:
    """The messages consumers gave up on (CLUB_DATABASE_URL)."""


@dead_letters.command("list")
def list_dead_letters() -> None:
    """Every dead letter, the oldest first."""
    from reading_club.entrypoints import dead_letters as dead_letter_desk

    with club_database() as engine:
        dead_letter_desk.print_list(engine)


@dead_letters.command("show")
@MESSAGE_IDS
def show_dead_letters(message_ids: tuple[uuid.UUID, ...]) -> None:
    """Messages' dead letters, with the traceback of each last failure."""
    from reading_club.entrypoints import dead_letters as dead_letter_desk

    with club_database() as engine:
        dead_letter_desk.print_letters(existing_letters(engine, message_ids))


@dead_letters.command("replay")
@MESSAGE_IDS
def replay_dead_letters(message_ids: tuple[uuid.UUID, ...]) -> None:
    """Send messages again to the consumers that gave up on them, once the
    cause is fixed (CLUB_BROKER_URL too)."""
    from reading_club.entrypoints import dead_letters as dead_letter_desk

    settings = setting(Settings.from_environment)
    with club_database(settings.database_url) as engine:
        letters = existing_letters(engine, message_ids)
        dead_letter_desk.replay(engine, letters, settings)


def existing_letters(
    engine: Engine, message_ids: tuple[uuid.UUID, ...]
) -> list["DeadLetter"]:
    from reading_club.entrypoints import dead_letters as dead_letter_desk

    if not (letters := dead_letter_desk.letters_of(engine, list(message_ids))):
        raise click.ClickException("no dead letter of these messages")
    return letters


@main.command()
def catalogue() -> None:
    """The books the catalogue counted for each author."""
    from reading_club.adapters.sql.catalogue import every_count

    with club_database() as engine, engine.connect() as connection:
        counts = every_count(connection)
    for author, books in counts:
        click.echo(f"{books:6}  {author}")


@main.command("prune-inbox")
@click.option(
    "--keep-days",
    default=7,
    show_default=True,
    type=click.IntRange(min=1),
    help=(
        "Days to keep: at least a day longer than CLUB_LOST_WITHIN; a "
        "duplicate that arrives later is handled again."
    ),
)
def prune_inbox_command(keep_days: int) -> None:
    """Forget the messages consumers received more than KEEP_DAYS ago. Run it
    every day, from cron or a scheduler, with the relay's settings."""
    from reading_club.adapters.sql.inbox import prune_inbox

    keep = timedelta(days=keep_days)
    # The relay's window counts from a message's send, the inbox's age from
    # its receipt, which can come first: by a batch's settling, or for as
    # long as a relay that died before it settled stayed down.
    needed = timedelta(seconds=setting(lost_within)) + timedelta(days=1)
    if keep < needed:
        raise click.BadParameter(
            f"{keep_days} days is less than CLUB_LOST_WITHIN and a day "
            f"({needed / timedelta(days=1):.2f} days): the relay would send "
            "again a message that the inbox forgot, and the catalogue would "
            "count it twice",
            param_hint="'--keep-days'",
        )
    cutoff = datetime.now(UTC) - keep
    with club_database() as engine:
        log.info("forgot %d messages", prune_inbox(engine, cutoff))
