"""A stand-in for the book-data service, which another team runs: a real HTTP
server on a free loopback port (pytest-httpserver's), in the test process,
that the club's workers ask as they would ask the real one.

Unless a test says otherwise, it knows every ISBN, and answers at once. A
test can make it fail for a book, a number of times or for good, and count
the questions it was asked.
"""

import json
import logging
import random
import re
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from reading_club.domain.messages import RegisterBook
from reading_club.domain.model import Book

ANY_BOOK = re.compile(r"/books/\d{13}")

# werkzeug logs every request, with the date: not in a test's report.
logging.getLogger("werkzeug").setLevel(logging.WARNING)


def summary_of(isbn: str) -> str:
    return f"the summary of {isbn}"


class BookDataStandIn:
    """The test's side: what the service answers, and what it was asked."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.refused: dict[str, int] = {}  # ISBN: status
        self.failure_rate = 0.0
        self.draws = random.Random()

    @property
    def url(self) -> str:
        return self.server.url_for("/")

    def reset(self) -> None:
        """Forget the test's answers and questions: back to knowing every book."""
        self.server.clear()
        self.refused.clear()
        self.failure_rate = 0.0
        self.server.expect_request(ANY_BOOK).respond_with_handler(self._answer)

    def _answer(self, request: Request) -> Response:
        isbn = request.path.rsplit("/", 1)[1]
        if isbn in self.refused:
            return Response("", status=self.refused[isbn])
        if self.draws.random() < self.failure_rate:
            return Response("", status=503)
        answer = json.dumps({"summary": summary_of(isbn)})
        return Response(answer, content_type="application/json")

    def fails(self, book: Book, status: int, times: int) -> None:
        """Answer ``status`` to the next ``times`` questions about ``book``."""
        for _ in range(times):
            self.server.expect_oneshot_request(f"/books/{book.isbn}").respond_with_data(
                "", status=status
            )

    def refuses(self, book: Book | RegisterBook, status: int = 404) -> None:
        """Answer ``status`` to every question about ``book``, until ``reset``."""
        self.refused[book.isbn] = status

    def fails_at_random(self, rate: float, seed: int) -> None:
        """Answer 503 to a share ``rate`` of the questions, drawn at random
        from ``seed``, until ``reset``. The server answers one question at a
        time: the draws need no lock."""
        self.failure_rate, self.draws = rate, random.Random(seed)

    def asked(self, book: Book) -> int:
        """How many times the service was asked about ``book``."""
        path = f"/books/{book.isbn}"
        return sum(1 for request, _ in self.server.log if request.path == path)


@pytest.fixture(scope="session")
def book_data_server() -> Iterator[BookDataStandIn]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    stand_in = BookDataStandIn(server)
    stand_in.reset()
    yield stand_in
    server.stop()


@pytest.fixture(scope="session")
def book_data_url(book_data_server: BookDataStandIn) -> str:
    return book_data_server.url


@pytest.fixture
def book_data(book_data_server: BookDataStandIn) -> Iterator[BookDataStandIn]:
    """The stand-in, for a test that counts its questions or changes its
    answers: reset before the test, and after it."""
    book_data_server.reset()
    yield book_data_server
    book_data_server.reset()
