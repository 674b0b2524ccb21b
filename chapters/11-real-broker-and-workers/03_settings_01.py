"""The club's settings: read from the environment, checked as a process starts.

Every process of the club needs two URLs: where the database is, and where
the broker is. A setting that is missing or malformed stops the process at
once, with an error that names it, rather than at the first message, with
one that does not.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

DATABASES = ("sqlite", "postgresql")
BROKERS = ("redis", "rediss")


class SettingsError(Exception):
    """A setting is missing or malformed: the message names it."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    """``CLUB_DATABASE_URL``: ``sqlite:////var/lib/club/club.sqlite`` or
    ``postgresql://club@localhost/club``, without a driver."""

    broker_url: str
    """``CLUB_BROKER_URL``: the Redis that carries the club's messages."""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        """The settings in ``environ``, or a ``SettingsError`` naming the first
        one that is missing or malformed."""
        return cls(
            database_url=database_url(environ),
            broker_url=_broker_url(_required(environ, "CLUB_BROKER_URL")),
        )


def database_url(environ: Mapping[str, str] = os.environ) -> str:
    """``CLUB_DATABASE_URL``, checked: for a program that needs nothing else."""
    return _database_url(_required(environ, "CLUB_DATABASE_URL"))


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
