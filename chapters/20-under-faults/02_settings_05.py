"""The club's settings: read from the environment, checked as a process starts.

Every program of the club needs the database's URL; the relay, the worker and
the dead letters' replay the broker's too; the worker a third, the book-data
service's. The other settings have defaults that suit production; the tests
lower some of them. A setting that is missing or malformed stops the process
at once, with an error that names it, rather than at the first message, with
one that does not.
"""

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar
from urllib.parse import urlsplit

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

DATABASES = ("sqlite", "postgresql")
BROKERS = ("redis", "rediss")
SERVICES = ("http", "https")
KOMBU_VISIBILITY_TIMEOUT = 3600.0
"""kombu's default ``visibility_timeout`` on Redis, in seconds."""

N = TypeVar("N", int, float)

LogFormat = Literal["text", "json"]


class SettingsError(Exception):
    """A setting is missing or malformed: the message names it."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    """``CLUB_DATABASE_URL``: ``sqlite:////var/lib/club/club.sqlite`` or
    ``postgresql://club@localhost/club``, without a driver."""

    broker_url: str
    """``CLUB_BROKER_URL``: the Redis that carries the club's messages."""

    broker_timeout: float = 2.0
    """``CLUB_BROKER_TIMEOUT``: seconds the broker may take to accept a
    connection, or to answer a command, before a send fails."""

    relay_batch_size: int = 100
    """``CLUB_RELAY_BATCH_SIZE``: the messages the relay claims at a time."""

    relay_lease: float = 300.0
    """``CLUB_RELAY_LEASE``: seconds a relay's claim on a batch lasts. The
    relay that takes over from a dead one gives its claims back sooner; the
    lease frees them when even that fails. A batch is sent for half of it,
    at most."""

    redelivery_timeout: float | None = None
    """``CLUB_REDELIVERY_TIMEOUT``: seconds after which Redis gives a message
    that a worker took, and never acknowledged, to another worker. Unset,
    kombu's default: an hour."""

    redelivery_check: float | None = None
    """``CLUB_REDELIVERY_CHECK``: seconds between two looks of a worker for
    such messages. Unset, kombu's default: every 100 s."""

    book_data_timeout: float = 5.0
    """``CLUB_BOOK_DATA_TIMEOUT``: seconds the book-data service may take to
    accept a connection, or to send each part of its answer."""

    retries: int = 8
    """``CLUB_RETRIES``: how many times a consumer tries a message again
    after a transient failure, before it keeps it as a dead letter."""

    retry_delay: float = 2.0
    """``CLUB_RETRY_DELAY``: the bound of the first retry's delay, in seconds;
    it doubles with each retry."""

    retry_delay_max: float = 120.0
    """``CLUB_RETRY_DELAY_MAX``: the bound of every retry's delay. With the
    defaults, the bounds are 2, 4, … 64, 120 and 120 s: a message is retried
    for three to six minutes (183 to 366 s) before it is a dead letter."""

    lost_after: float = 5400.0
    """``CLUB_LOST_AFTER``: seconds after its send that a message the club's
    catalogue has not finished counts as lost, and the active relay sends it
    again: an hour and a half. More than the redelivery timeout, after which
    Redis gives back a message that a dead worker held; and than a message
    waits in a queue, or its retries take (six minutes at most, with the
    defaults). A copy sent too soon is harmless, but wasted."""

    lost_within: float = 86400.0
    """``CLUB_LOST_WITHIN``: how far back, in seconds, the active relay looks
    for lost messages: a day. Keep it a day shorter than the inbox keeps its
    rows (``reading-club prune-inbox --keep-days``, a week): a message that
    the inbox has forgotten looks as if it never arrived. To raise it, raise
    ``--keep-days`` first, and the window once the inbox holds rows as old."""

    lost_check: float = 60.0
    """``CLUB_LOST_CHECK``: seconds between two looks for lost messages."""

    def __post_init__(self) -> None:
        redelivery = self.redelivery_timeout or KOMBU_VISIBILITY_TIMEOUT
        if self.lost_after <= redelivery:
            raise SettingsError(
                f"CLUB_LOST_AFTER={self.lost_after:g} must be more than the "
                f"redelivery timeout ({redelivery:g} s, CLUB_REDELIVERY_TIMEOUT): "
                "Redis gives back a message that a dead worker held only then, "
                "and such a message is late, not lost"
            )
        if self.lost_within <= self.lost_after:
            raise SettingsError(
                f"CLUB_LOST_WITHIN={self.lost_within:g} must be more than "
                f"CLUB_LOST_AFTER={self.lost_after:g}: the relay looks for lost "
                "messages among those sent within the first, and older than the "
                "second"
            )
        if self.retry_delay_max > redelivery / 2:
            raise SettingsError(
                f"CLUB_RETRY_DELAY_MAX={self.retry_delay_max:g} must be at most half "
                f"the redelivery timeout ({redelivery:g} s, CLUB_REDELIVERY_TIMEOUT): "
                "a worker holds a retry's message, unacknowledged, until its time "
                "comes and its task has run, and Redis gives a message held longer "
                "than the timeout to another worker"
            )

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        """The settings in ``environ``, or a ``SettingsError`` naming the first
        one that is missing or malformed."""
        return cls(
            database_url=database_url(environ),
            broker_url=_broker_url(_required(environ, "CLUB_BROKER_URL")),
            # A number that is set is above 0: "or" falls back to the default
            # only when the variable is unset.
            broker_timeout=_number(environ, "CLUB_BROKER_TIMEOUT", float)
            or cls.broker_timeout,
            relay_batch_size=_number(environ, "CLUB_RELAY_BATCH_SIZE", int)
            or cls.relay_batch_size,
            relay_lease=_number(environ, "CLUB_RELAY_LEASE", float) or cls.relay_lease,
            redelivery_timeout=_number(environ, "CLUB_REDELIVERY_TIMEOUT", float),
            redelivery_check=_number(environ, "CLUB_REDELIVERY_CHECK", float),
            book_data_timeout=_number(environ, "CLUB_BOOK_DATA_TIMEOUT", float)
            or cls.book_data_timeout,
            retries=_count(environ, "CLUB_RETRIES", cls.retries),
            retry_delay=_number(environ, "CLUB_RETRY_DELAY", float) or cls.retry_delay,
            retry_delay_max=_number(environ, "CLUB_RETRY_DELAY_MAX", float)
            or cls.retry_delay_max,
            lost_after=_number(environ, "CLUB_LOST_AFTER", float) or cls.lost_after,
            lost_within=lost_within(environ),
            lost_check=_number(environ, "CLUB_LOST_CHECK", float) or cls.lost_check,
        )


def database_url(environ: Mapping[str, str] = os.environ) -> str:
    """``CLUB_DATABASE_URL``, checked: for a program that needs nothing else."""
    return _database_url(_required(environ, "CLUB_DATABASE_URL"))


def lost_within(environ: Mapping[str, str] = os.environ) -> float:
    """``CLUB_LOST_WITHIN``, checked, or its default: for the inbox's pruning."""
    return _number(environ, "CLUB_LOST_WITHIN", float) or Settings.lost_within


def book_data_url(environ: Mapping[str, str] = os.environ) -> str:
    """``CLUB_BOOK_DATA_URL``, checked: the book-data service, which the
    club's worker asks for the summary of each book."""
    url = _required(environ, "CLUB_BOOK_DATA_URL")
    if urlsplit(url).scheme not in SERVICES:
        raise SettingsError(
            f"CLUB_BOOK_DATA_URL {_kind(url)}: the book-data service is "
            "http://host:port or https://host"
        )
    return url


def log_format(environ: Mapping[str, str] = os.environ) -> LogFormat:
    """``CLUB_LOG_FORMAT``: ``text``, the default, for a person reading a
    terminal; ``json``, one object a line, for a log store."""
    match environ.get("CLUB_LOG_FORMAT", "").strip() or "text":
        case "text":
            return "text"
        case "json":
            return "json"
        case other:
            raise SettingsError(f"CLUB_LOG_FORMAT is {other!r}: it is text or json")


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise SettingsError(f"{name} is not set")
    return value


def _database_url(url: str) -> str:
    try:
        parsed = make_url(url)
    except ArgumentError:
        parsed = None
    if parsed is None or parsed.drivername not in DATABASES:
        raise SettingsError(
            f"CLUB_DATABASE_URL {_kind(url)}: the club runs on "
            "sqlite:////path/to/club.sqlite or postgresql://user@host/name, "
            "without a driver: each process picks its own"
        )
    if parsed.drivername == "sqlite" and not Path(parsed.database or "").is_absolute():
        raise SettingsError(
            "CLUB_DATABASE_URL must name a SQLite file by its absolute path, "
            "sqlite:////path/to/club.sqlite: every process of the club opens it, "
            "each from its own working directory, and an in-memory database "
            "would be each process's own"
        )
    return url


def _broker_url(url: str) -> str:
    if urlsplit(url).scheme not in BROKERS:
        raise SettingsError(
            f"CLUB_BROKER_URL {_kind(url)}: the broker is a Redis, "
            "redis://host:6379/0 (or rediss:// with TLS)"
        )
    return url


def _kind(url: str) -> str:
    """What a wrong URL is, said without the rest of it, which may hold a
    password."""
    scheme = urlsplit(url).scheme
    return f"uses {scheme}://" if scheme and "://" in url else "is not a URL"


def _number(
    environ: Mapping[str, str], name: str, kind: Callable[[str], N]
) -> N | None:
    """The setting ``name``, a number above 0, or None when it is not set."""
    text = environ.get(name, "").strip()
    if not text:
        return None
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value):  # "nan" and "inf" are floats
        raise SettingsError(f"{name}={text!r} is not a number")
    if value <= 0:
        raise SettingsError(f"{name}={text!r} must be more than 0")
    return value


def _count(environ: Mapping[str, str], name: str, default: int) -> int:
    """The setting ``name``, a whole number, 0 or more; ``default`` when unset."""
    text = environ.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()):
        raise SettingsError(f"{name}={text!r} is not a whole number, 0 or more")
    return int(text)
