"""The club's HTTP API, an ASGI application: ``reading-club api`` serves it.

``POST /books`` registers a book, ``GET /books/{id}`` reads one. A request
only writes to the database: the book and its event are committed together,
and the relay sends the event. So a broker that is down, or slow, fails no
request.
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, assert_never

from fastapi import APIRouter, FastAPI, HTTPException, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncEngine

from reading_club import bootstrap
from reading_club.adapters.sql.repositories import SqlBookRepository
from reading_club.domain.errors import BookRepositoryError
from reading_club.domain.messages import Isbn13, NonBlank, RegisterBook
from reading_club.domain.model import Book, BookId
from reading_club.domain.result import Err, Ok
from reading_club.entrypoints.books import register_book


class BookData(BaseModel):
    """A book, as the API takes it and gives it. The client chooses the id
    (a UUID): sending the same request again, after a timeout, cannot
    register the book twice."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    title: NonBlank
    authors: Annotated[list[NonBlank], Field(min_length=1)]
    isbn: Isbn13

    @classmethod
    def of(cls, book: Book) -> "BookData":
        return cls(id=book.id, title=book.title, authors=book.authors, isbn=book.isbn)


def conflict(error: BookRepositoryError) -> HTTPException:
    """A 409 that says which rule of the catalogue the request broke."""
    match error:
        case BookRepositoryError.already_registered:
            return HTTPException(status.HTTP_409_CONFLICT, "another book has this id")
        case BookRepositoryError.isbn_taken:
            return HTTPException(status.HTTP_409_CONFLICT, "another book has this ISBN")
        case BookRepositoryError.not_found:  # registering never looks a book up
            raise AssertionError(error)
        case _:
            assert_never(error)


def create_app(engine: AsyncEngine) -> FastAPI:
    """The API over the club's database. The application owns the engine:
    it disposes of it when the server stops."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = FastAPI(title="The reading club", lifespan=lifespan)
    app.include_router(books_router(engine))
    return app


def books_router(engine: AsyncEngine) -> APIRouter:
    router = APIRouter(prefix="/books")
    bus = bootstrap.message_bus()

    @router.post("", status_code=status.HTTP_201_CREATED)
    async def register(data: BookData, response: Response) -> BookData:
        """Register a book: 201, and where to read it; 409 if another book
        has its id or its ISBN."""
        command = RegisterBook(
            id=BookId(data.id), title=data.title, authors=data.authors, isbn=data.isbn
        )
        uow = bootstrap.request_unit_of_work(engine)
        match await register_book(command, bus=bus, uow=uow):
            case Ok(book):
                response.headers["Location"] = f"{router.prefix}/{book.id}"
                return BookData.of(book)
            case Err(error):
                raise conflict(error)

    @router.get("/{book_id}")
    async def read(book_id: uuid.UUID) -> BookData:
        """The book with this id: 200, or 404."""
        if (book := await book_of(engine, book_id)) is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no book has this id")
        return book

    return router


async def book_of(engine: AsyncEngine, book_id: uuid.UUID) -> BookData | None:
    async with engine.connect() as connection:
        found = await SqlBookRepository(connection).by_id(BookId(book_id))
    return BookData.of(found.value) if isinstance(found, Ok) else None
