"""Messages: what someone can ask of the reading club."""

from typing import Annotated

from messagebus import Command, Metadata
from pydantic import AfterValidator, StringConstraints

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
    author: NonBlank
    isbn: Isbn13
    metadata: Metadata = Metadata(name="register_book", schema_version=1)
