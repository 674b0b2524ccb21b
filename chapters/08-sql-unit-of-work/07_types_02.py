"""Column types that mean the same thing on every database the club runs on."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, Dialect, TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A moment in time, stored in UTC and read back as an aware ``datetime``.

    PostgreSQL's ``timestamp with time zone`` keeps the moment. SQLite has no
    date type: SQLAlchemy stores the date as text without its UTC offset, and
    reads back a naive ``datetime``. Converting to UTC on the way in, and
    saying so on the way out, gives the same value on both.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"{value!r} has no UTC offset: which moment is it?")
        return value.astimezone(UTC)

    def process_result_value(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)
