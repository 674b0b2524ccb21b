import pytest

from reading_club.settings import Settings, SettingsError, book_data_url

VALID = {
    "CLUB_DATABASE_URL": "postgresql://club@db.example/club",
    "CLUB_BROKER_URL": "redis://broker.example:6379/0",
}


def test_the_two_urls_are_enough() -> None:
    settings = Settings.from_environment(VALID)

    assert settings.database_url == VALID["CLUB_DATABASE_URL"]
    assert settings.broker_url == VALID["CLUB_BROKER_URL"]
    assert (settings.relay_batch_size, settings.relay_lease) == (100, 300.0)
    assert settings.broker_timeout == 2.0
    assert (settings.redelivery_timeout, settings.redelivery_check) == (None, None)
    assert (settings.retries, settings.retry_delay, settings.retry_delay_max) == (
        8,
        2.0,
        120.0,
    )


def test_a_number_that_is_set_replaces_the_default() -> None:
    environ = {
        **VALID,
        "CLUB_RELAY_BATCH_SIZE": "10",
        "CLUB_REDELIVERY_TIMEOUT": "1.5",
        "CLUB_RETRY_DELAY_MAX": "0.75",
        "CLUB_RETRIES": "0",
    }

    settings = Settings.from_environment(environ)

    assert (settings.relay_batch_size, settings.redelivery_timeout) == (10, 1.5)
    assert (settings.retry_delay_max, settings.retries) == (0.75, 0)


@pytest.mark.parametrize("name", ["CLUB_DATABASE_URL", "CLUB_BROKER_URL"])
def test_a_missing_url_is_named(name: str) -> None:
    environ = {key: value for key, value in VALID.items() if key != name}

    with pytest.raises(SettingsError, match=f"^{name} is not set$"):
        Settings.from_environment(environ)


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("CLUB_DATABASE_URL", "mysql://club:secret@db/club", "uses mysql://"),
        ("CLUB_DATABASE_URL", "club.sqlite", "is not a URL"),
        ("CLUB_DATABASE_URL", "postgresql+asyncpg://db/club", "without a driver"),
        ("CLUB_DATABASE_URL", "sqlite:///club.sqlite", "by its absolute path"),
        ("CLUB_DATABASE_URL", "sqlite://", "by its absolute path"),
        ("CLUB_BROKER_URL", "amqp://guest:secret@mq//", "uses amqp://"),
        ("CLUB_BROKER_URL", "guest:secret@localhost:6379", "is not a URL"),
        ("CLUB_RELAY_LEASE", "five", "'five' is not a number"),
        ("CLUB_RELAY_BATCH_SIZE", "0", "'0' must be more than 0"),
        ("CLUB_REDELIVERY_TIMEOUT", "-1", "'-1' must be more than 0"),
        ("CLUB_RETRIES", "-1", "'-1' is not a whole number"),
        ("CLUB_RETRIES", "²", "'²' is not a whole number"),
        ("CLUB_RETRY_DELAY_MAX", "nan", "'nan' is not a number"),
        ("CLUB_REDELIVERY_TIMEOUT", "inf", "'inf' is not a number"),
    ],
)
def test_a_malformed_setting_is_named_without_its_secrets(
    name: str, value: str, error: str
) -> None:
    with pytest.raises(SettingsError, match=f"^{name}.*{error}") as raised:
        Settings.from_environment({**VALID, name: value})
    assert "secret" not in str(raised.value)


def test_the_worker_needs_the_book_data_service() -> None:
    with pytest.raises(SettingsError, match=r"^CLUB_BOOK_DATA_URL is not set$"):
        book_data_url(VALID)
    with pytest.raises(SettingsError, match=r"^CLUB_BOOK_DATA_URL uses ftp://"):
        book_data_url({**VALID, "CLUB_BOOK_DATA_URL": "ftp://books.example/"})
    assert (
        book_data_url({"CLUB_BOOK_DATA_URL": "http://books:8080"})
        == "http://books:8080"
    )


def test_a_retry_comes_well_before_redis_redelivers_it() -> None:
    environ = {**VALID, "CLUB_REDELIVERY_TIMEOUT": "1", "CLUB_RETRY_DELAY_MAX": "0.6"}

    with pytest.raises(
        SettingsError, match=r"^CLUB_RETRY_DELAY_MAX=0.6 must be at most"
    ):
        Settings.from_environment(environ)
    assert Settings.from_environment({**environ, "CLUB_RETRY_DELAY_MAX": "0.5"})
