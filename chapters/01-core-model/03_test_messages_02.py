from typing import Any

import pytest
from lastuuid import uuid7
from messagebus import Metadata
from messagebus.service.eventstream import MessageSerializer
from pydantic import ValidationError

from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import BookId


def register_dune(**changes: Any) -> RegisterBook:
    """A valid command to register Dune, with some fields changed."""
    fields = {
        "id": BookId(uuid7()),
        "title": "Dune",
        "author": "Frank Herbert",
        "isbn": "9780441013593",
    }
    return RegisterBook.model_validate(fields | changes)


def test_the_command_names_its_schema() -> None:
    command = register_dune()

    assert command.metadata == Metadata(name="register_book", schema_version=1)
    serialized = MessageSerializer().serialize_message(command)
    assert serialized["type"] == "register_book_v1"


def test_surrounding_spaces_are_stripped() -> None:
    command = register_dune(title="  Dune ", author="Frank Herbert\n")

    assert command.title == "Dune"
    assert command.author == "Frank Herbert"


@pytest.mark.parametrize("field", ["title", "author"])
@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_text_is_rejected(field: str, blank: str) -> None:
    with pytest.raises(ValidationError) as caught:
        register_dune(**{field: blank})

    [error] = caught.value.errors()
    assert error["loc"] == (field,)
    assert error["type"] == "string_too_short"


def written_with(zero: str) -> str:
    """Dune's valid ISBN, in the digits of the script whose zero is ``zero``."""
    return "9780441013593".translate(
        {ord("0") + value: ord(zero) + value for value in range(10)}
    )


@pytest.mark.parametrize(
    "isbn",
    [
        "978-0441013593",
        "044101359X",
        "97804410135930",
        "ninety-seven",
        pytest.param(written_with("\uff10"), id="fullwidth-digits"),
        pytest.param(written_with("\u0660"), id="arabic-indic-digits"),
    ],
)
def test_an_isbn_must_be_13_digits(isbn: str) -> None:
    with pytest.raises(ValidationError) as caught:
        register_dune(isbn=isbn)

    [error] = caught.value.errors()
    assert error["loc"] == ("isbn",)
    assert error["type"] == "string_pattern_mismatch"


def test_an_isbn_with_a_wrong_check_digit_is_rejected() -> None:
    with pytest.raises(ValidationError, match="the check digit") as caught:
        register_dune(isbn="9780441013594")

    [error] = caught.value.errors()
    assert error["loc"] == ("isbn",)
