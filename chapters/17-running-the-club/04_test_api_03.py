import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club.entrypoints.api import create_app

pytestmark = pytest.mark.parametrize(
    "database_url", ["sqlite", "postgresql"], indirect=True
)

DUNE = {
    "id": "0193a1a7-5a0b-7c3e-9d2f-1c4b5e6f7a80",
    "title": "Dune",
    "authors": ["Frank Herbert"],
    "isbn": "9780441013593",
}


@pytest.fixture
async def api(shared_engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """The club's API, called in the test's process, without a server."""
    transport = httpx.ASGITransport(app=create_app(shared_engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://club") as api:
        yield api


async def test_a_registered_book_can_be_read(api: httpx.AsyncClient) -> None:
    registered = await api.post("/books", json=DUNE)
    read = await api.get(f"/books/{DUNE['id']}")

    assert (registered.status_code, registered.json()) == (201, DUNE)
    assert registered.headers["Location"] == f"/books/{DUNE['id']}"
    assert (read.status_code, read.json()) == (200, DUNE)


async def test_the_same_request_again_is_answered_as_done(
    api: httpx.AsyncClient,
) -> None:
    await api.post("/books", json=DUNE)

    again = await api.post("/books", json=DUNE)

    assert again.status_code == 200
    assert again.json() == DUNE


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"title": "Dune Messiah"}, "another book has this id"),
        ({"id": str(uuid.uuid4())}, "another book has this ISBN"),
    ],
    ids=["taken-id", "taken-isbn"],
)
async def test_another_book_under_a_taken_id_or_isbn_is_a_conflict(
    api: httpx.AsyncClient, change: dict[str, Any], detail: str
) -> None:
    await api.post("/books", json=DUNE)

    refused = await api.post("/books", json=DUNE | change)

    assert (refused.status_code, refused.json()) == (409, {"detail": detail})


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"isbn": "9780441013599"}, "isbn"),
        ({"title": "  "}, "title"),
        ({"authors": []}, "authors"),
        ({"id": "dune"}, "id"),
        ({"summary": "Spice."}, "summary"),
    ],
    ids=["bad-isbn", "blank-title", "no-author", "bad-id", "unknown-field"],
)
async def test_bad_input_is_refused_with_the_field_named(
    api: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    refused = await api.post("/books", json=DUNE | change)
    missing = await api.get(f"/books/{DUNE['id']}")

    assert refused.status_code == 422
    assert [error["loc"] for error in refused.json()["detail"]] == [["body", field]]
    assert missing.status_code == 404
