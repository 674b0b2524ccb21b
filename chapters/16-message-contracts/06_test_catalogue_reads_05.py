import json
import re
import uuid

import pytest

from reading_club.entrypoints.catalogue_reads import (
    AuthorToCount,
    BookToCount,
    PoisonMessage,
    read_book_registered,
)

BOOK_ID = "019a4f6e-2b7c-7d3e-8f41-5c6d7e8f9a0b"


def message(message_type: str, **payload: object) -> dict[str, str]:
    """A message of Good Omens' registration, of ``message_type``."""
    fields = {"id": BOOK_ID, "title": "Good Omens", "isbn": "9780060853983"}
    return {
        "id": str(uuid.uuid4()),
        "created_at": "2026-12-05T09:30:00+00:00",
        "type": message_type,
        "payload": json.dumps(fields | payload),
    }


GOOD_OMENS = BookToCount(
    id=uuid.UUID(BOOK_ID),
    authors=[AuthorToCount(name="Terry Pratchett"), AuthorToCount(name="Neil Gaiman")],
    isbn="9780060853983",
)


def test_a_v2_message_is_read_as_it_is() -> None:
    v2 = message(
        "book_registered_v2",
        authors=[{"name": "Terry Pratchett"}, {"name": "Neil Gaiman"}],
    )

    assert read_book_registered(v2).book == GOOD_OMENS


def test_a_v1_message_is_upcast_to_v2_with_its_authors_in_order() -> None:
    v1 = message("book_registered_v1", authors=["Terry Pratchett", "Neil Gaiman"])

    received = read_book_registered(v1)

    assert received.book == GOOD_OMENS
    assert received.message_id == uuid.UUID(v1["id"])


def test_fields_the_catalogue_does_not_read_are_ignored() -> None:
    v2 = message(
        "book_registered_v2",
        authors=[
            {"name": "Terry Pratchett", "role": "author"},
            {"name": "Neil Gaiman"},
        ],
        language="en",
    )

    assert read_book_registered(v2).book == GOOD_OMENS


def test_a_v1_payload_under_the_v2_type_is_poison() -> None:
    mislabelled = message("book_registered_v2", authors=["Terry Pratchett"])

    with pytest.raises(PoisonMessage, match=r"authors\.0: Input should be an object"):
        read_book_registered(mislabelled)


@pytest.mark.parametrize(
    ("message_type", "authors", "where"),
    [
        ("book_registered_v1", [""], "authors.0"),
        ("book_registered_v2", [{"name": ""}], "authors.0.name"),
    ],
    ids=["v1", "v2"],
)
def test_an_author_with_an_empty_name_is_poison(
    message_type: str, authors: list[object], where: str
) -> None:
    nameless = message(message_type, authors=authors)

    problem = f"fit {message_type}: {where}: String should have at least 1 character"
    with pytest.raises(PoisonMessage, match=re.escape(problem)):
        read_book_registered(nameless)


def test_a_payload_that_is_not_unicode_is_poison() -> None:
    """A JSON string may hold a lone surrogate, and so may the payload that
    kombu decoded from it; UTF-8 cannot encode one."""
    v2 = message("book_registered_v2", authors=[{"name": "Neil Gaiman"}])
    v2["payload"] = v2["payload"].replace("Neil Gaiman", "\ud800")

    with pytest.raises(PoisonMessage, match="unable to parse raw data as a unicode"):
        read_book_registered(v2)
