"""Messages: what someone can ask of the reading club, and what it tells."""

from typing import Annotated

from messagebus import Command, Event, Metadata
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from reading_club.domain.model import BookId


def _check_isbn13_check_digit(isbn: str) -> str:
    """Reject an ISBN-13 whose last digit does not match the twelve before it."""
    weighted = sum(
        int(digit) * (3 if position % 2 else 1)
        for position, digit in enumerate(isbn[:12])
    )
    if (10 - weighted % 10) % 10 != int(isbn[12]):
        raise ValueError("the check digit (the last one) is wrong: is there a typo?")
    return isbn


NonBlank = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""Text that is not all whitespace, stripped of the whitespace around it."""

Isbn13 = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{13}$"),
    AfterValidator(_check_isbn13_check_digit),
]
"""An ISBN-13 written as 13 ASCII digits, without dashes."""


class RegisterBook(Command):
    """Add a book to the club's catalogue."""

    id: BookId
    title: NonBlank
    authors: list[NonBlank] = Field(min_length=1)
    isbn: Isbn13
    metadata: Metadata = Metadata(name="register_book", schema_version=2)


class Author(BaseModel):
    """An author of a book, as the club's messages carry one: an object, so
    that a field added later (a role, an id) needs no new version."""

    # A field with a default is sent all the same: its contract requires it.
    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_serialization_defaults_required=True
    )

    name: NonBlank


class BookRegistered(Event):
    """A book joined the catalogue. Published: other systems may rely on it,
    and on its contract, which is generated from these fields' types."""

    id: BookId
    title: NonBlank
    authors: list[Author] = Field(min_length=1)
    isbn: Isbn13
    metadata: Metadata = Metadata(
        name="book_registered", schema_version=2, published=True
    )
