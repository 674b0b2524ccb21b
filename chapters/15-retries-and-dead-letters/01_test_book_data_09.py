import threading
from collections.abc import Iterator

import pytest
from port_for import get_port
from werkzeug import Request, Response

from reading_club import bootstrap
from reading_club.adapters.book_data import BookDataRefused, BookDataUnavailable
from reading_club.domain.model import Book

from book_data_stand_in import BookDataStandIn, summary_of


def test_the_service_gives_a_books_summary(
    book_data: BookDataStandIn, dune: Book
) -> None:
    assert bootstrap.book_data(book_data.url).summary(dune.isbn) == summary_of(
        dune.isbn
    )


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_service_that_cannot_answer_now_is_unavailable(
    book_data: BookDataStandIn, dune: Book, status: int
) -> None:
    book_data.fails(dune, status, times=1)

    with pytest.raises(BookDataUnavailable, match=f"answered {status}"):
        bootstrap.book_data(book_data.url).summary(dune.isbn)


@pytest.mark.parametrize("status", [404, 400])
def test_a_service_that_refuses_the_question_refuses(
    book_data: BookDataStandIn, dune: Book, status: int
) -> None:
    book_data.refuses(dune, status)

    with pytest.raises(BookDataRefused, match=f"answered {status}"):
        bootstrap.book_data(book_data.url).summary(dune.isbn)


def test_a_service_out_of_reach_is_unavailable(dune: Book) -> None:
    nobody_listens = f"http://127.0.0.1:{get_port(None)}"

    with pytest.raises(BookDataUnavailable, match="ConnectError"):
        bootstrap.book_data(nobody_listens).summary(dune.isbn)


@pytest.fixture
def answer_held(book_data: BookDataStandIn, dune: Book) -> Iterator[threading.Event]:
    """The service takes the question about Dune, and answers once released."""
    released = threading.Event()

    def held(_: Request) -> Response:
        released.wait(timeout=10)
        return Response("{}", status=503)

    book_data.server.expect_oneshot_request(f"/books/{dune.isbn}").respond_with_handler(
        held
    )
    yield released
    released.set()


def test_a_service_that_does_not_answer_in_time_is_unavailable(
    book_data: BookDataStandIn, answer_held: threading.Event, dune: Book
) -> None:
    client = bootstrap.book_data(book_data.url, timeout=0.1)

    with pytest.raises(BookDataUnavailable, match="ReadTimeout"):
        client.summary(dune.isbn)
