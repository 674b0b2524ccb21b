"""Forget old messages of the inbox: ``python -m reading_club.entrypoints.prune_inbox``.

Run it every day, from cron or a scheduler; ``--keep-days`` says how long a
message is remembered (7 by default). It reads ``CLUB_DATABASE_URL``.
"""

import argparse
import logging
from datetime import UTC, datetime, timedelta

from reading_club.adapters.sql.engine import create_sync_engine
from reading_club.adapters.sql.inbox import prune_inbox
from reading_club.settings import SettingsError, database_url

log = logging.getLogger("reading_club.prune_inbox")


def main(arguments: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep-days", type=float, default=7.0)
    keep_days = parser.parse_args(arguments).keep_days
    try:
        url = database_url()
    except SettingsError as error:
        raise SystemExit(f"reading_club.entrypoints.prune_inbox: {error}") from None
    engine = create_sync_engine(url)
    cutoff = datetime.now(UTC) - timedelta(days=keep_days)
    log.info("forgot %d messages", prune_inbox(engine, cutoff))
    engine.dispose()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    main()
