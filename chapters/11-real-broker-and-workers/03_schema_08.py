"""Create the club's tables: ``python -m reading_club.entrypoints.schema``.

It reads ``CLUB_DATABASE_URL``, creates the tables that do not exist yet,
and changes none that does: once the club's data matters, migrations take
its place.
"""

from reading_club.adapters.sql import tables
from reading_club.adapters.sql.engine import create_sync_engine
from reading_club.settings import SettingsError, database_url


def main() -> None:
    try:
        url = database_url()
    except SettingsError as error:
        raise SystemExit(f"reading_club.entrypoints.schema: {error}") from None
    engine = create_sync_engine(url)
    tables.metadata.create_all(engine)
    engine.dispose()


if __name__ == "__main__":
    main()
