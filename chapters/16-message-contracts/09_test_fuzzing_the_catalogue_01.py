"""The catalogue's edge, fuzzed: generated messages, valid and not, each of
which must end applied or kept as a dead letter, never in an error that
nobody handles."""

import json
import uuid
from contextlib import suppress
from pathlib import Path
from typing import Any

from celery import Celery
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from sqlalchemy import Engine, select

from reading_club.adapters.sql import tables
from reading_club.adapters.sql.dead_letters import message_id
from reading_club.entrypoints.catalogue_reads import PoisonMessage, read_book_registered
from reading_club.routes import CATALOGUE

from catalogue_workers import CatalogueWorkers
from probing import probe
from programs import Program

CONTRACTS = Path(__file__).parents[1] / "contracts"
PUBLISHED = ["book_registered_v1", "book_registered_v2"]

TIMEOUT = 5.0
"""Seconds the worker may take to end a batch of generated messages."""

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3)
    ),
    max_leaves=8,
)
"""Any JSON value at all."""


def payloads_of(message_type: str) -> st.SearchStrategy[Any]:
    """Every payload that the club's contract of ``message_type`` allows."""
    contract = json.loads((CONTRACTS / f"{message_type}.json").read_text())
    return from_schema(contract, custom_formats={"uuid": st.uuids().map(str)})


def envelope(message_type: str, payload: str, message: uuid.UUID) -> dict[str, str]:
    return {
        "id": str(message),
        "created_at": "2026-12-05T09:30:00+00:00",
        "type": message_type,
        "payload": payload,
    }


VALID = st.one_of(
    [
        st.builds(envelope, st.just(t), payloads_of(t).map(json.dumps), st.uuids())
        for t in PUBLISHED
    ]
)
"""Messages that the club may publish."""

BROKEN = st.builds(
    envelope,
    st.sampled_from(PUBLISHED) | st.text(max_size=20),
    JSON.map(json.dumps) | st.text(),
    st.uuids(),
)
"""Messages that look like the club's, with a type and a payload of anything."""

MESSAGES = VALID | BROKEN | JSON
"""Anything a consumer may find in its queue's messages, once Celery decoded
them."""

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.generate, Phase.shrink],
)
"""The same examples at every run: a failure found is a failure reproduced."""


@settings(FUZZ, max_examples=200)
@given(VALID)
def test_every_message_the_club_can_publish_is_read(message: dict[str, str]) -> None:
    read_book_registered(message)


@settings(FUZZ, max_examples=500)
@given(BROKEN | JSON)
def test_anything_else_is_read_or_refused_as_poison(message: Any) -> None:
    with suppress(PoisonMessage):
        read_book_registered(message)


def with_an_id_of_its_own(message: Any) -> Any:
    """``message``, under a fresh id if it has one: hypothesis draws the same
    UUIDs again, and a message must not be taken for an earlier one."""
    if isinstance(message, dict) and "id" in message:
        return message | {"id": str(uuid.uuid4())}
    return message


def assert_each_ended(worker: Program, reader: Engine, sent: dict[str, Any]) -> None:
    """Each task of ``sent`` (by task id) returned, neither retried nor
    failed: its message is in the catalogue's inbox if the catalogue can
    read it, among the dead letters if not."""
    running = [task for task in sent if not worker.lines_with(f"[{task}] succeeded in")]
    assert not running, f"not ended: {[sent[task] for task in running]}"
    retried = [task for task in sent if worker.lines_with(f"[{task}] retry:")]
    assert not retried, f"retried: {[sent[task] for task in retried]}"
    inbox, letters = tables.inbox, tables.dead_letters
    with reader.connect() as connection:
        applied = set(connection.scalars(select(inbox.c.message_id)))
        kept = set(connection.scalars(select(letters.c.message_id)))
    for message in sent.values():
        try:
            read_book_registered(message)
        except PoisonMessage:
            assert message_id(message) in kept, f"not kept: {message}"
        else:
            assert message_id(message) in applied, f"not applied: {message}"


@settings(
    FUZZ,
    max_examples=10,
    # One worker and one database for every example: each task has an id of
    # its own, and so does each message that has an id at all.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(batch=st.lists(MESSAGES, min_size=5, max_size=5))
def test_every_message_a_worker_takes_ends_applied_or_dead_lettered(
    batch: list[Any],
    catalogue_workers: CatalogueWorkers,
    catalogue_celery: Celery,
    reader: Engine,
) -> None:
    [worker] = catalogue_workers.started or catalogue_workers.start(1)
    sent = {str(uuid.uuid4()): with_an_id_of_its_own(message) for message in batch}
    for task, message in sent.items():
        catalogue_celery.send_task(
            CATALOGUE.task,
            kwargs={"message": message},
            task_id=task,
            queue=CATALOGUE.queue,
        )

    probe(lambda: assert_each_ended(worker, reader, sent), TIMEOUT)
    assert worker.running(), f"the worker stopped: {worker.tail()}"
