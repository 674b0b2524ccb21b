from lastuuid import uuid7

from reading_club.domain.model import Book, BookId


def test_a_book_keeps_what_it_was_created_with() -> None:
    book_id = BookId(uuid7())

    book = Book(
        id=book_id,
        title="Good Omens",
        authors=["Terry Pratchett", "Neil Gaiman"],
        isbn="9780060853983",
    )

    assert book.id == book_id
    assert book.title == "Good Omens"
    assert book.authors == ["Terry Pratchett", "Neil Gaiman"]
    assert book.isbn == "9780060853983"


def test_a_new_book_has_no_messages() -> None:
    book = Book(
        id=BookId(uuid7()),
        title="Dune",
        authors=["Frank Herbert"],
        isbn="9780441013593",
    )

    assert book.messages == []


def test_books_compare_by_their_fields() -> None:
    book = Book(
        id=BookId(uuid7()),
        title="Dune",
        authors=["Frank Herbert"],
        isbn="9780441013593",
    )

    assert book == book.model_copy(deep=True)
    assert book != book.model_copy(update={"id": BookId(uuid7())})
    assert book != book.model_copy(update={"title": "Dune Messiah"})
