"""The consumers' contracts, checked on the producer's side: every payload
that the club's contracts allow must satisfy every consumer that reads it.

Each consumer's contract is a JSON Schema of what it reads, under
``contracts/consumers/<its queue>/``: the catalogue's is generated from its
model; another team hands its own over. The payloads are generated from the
club's own contracts, so they include what the club *could* send, not only
the examples its tests happen to build.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator

from reading_club.routes import ROUTES

CONTRACTS = Path(__file__).parents[1] / "contracts"
CONSUMERS = CONTRACTS / "consumers"

FORMATS = {"uuid": st.uuids().map(str)}
"""Formats that hypothesis-jsonschema does not generate by itself."""


def load(path: Path) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(path.read_text())
    return schema


def consumers_contracts() -> list[tuple[str, str]]:
    """Each (consumer, message type) that a consumer has a contract for, and
    the club publishes."""
    return sorted(
        (path.parent.name, path.stem)
        for path in CONSUMERS.glob("*/*.json")
        if (CONTRACTS / path.name).exists()
    )


@pytest.mark.parametrize(
    ("message_type", "consumer"),
    [(message_type, c.queue) for message_type, cs in ROUTES.items() for c in cs],
)
def test_each_consumer_has_a_contract_for_each_type_it_is_sent(
    message_type: str, consumer: str
) -> None:
    contract = CONSUMERS / consumer / f"{message_type}.json"
    assert contract.exists(), (
        f"the club sends {message_type} to {consumer}, which has not said how it "
        f"reads it ({contract.relative_to(CONTRACTS.parent)} is missing). A "
        "consumer's contract says that it is ready for the type; deploying the "
        "consumer that reads it comes before deploying the producer that sends it."
    )


@pytest.mark.parametrize(("consumer", "message_type"), consumers_contracts())
def test_every_payload_the_club_can_publish_satisfies_the_consumer(
    consumer: str, message_type: str
) -> None:
    published = CONTRACTS / f"{message_type}.json"
    reads = Draft202012Validator(
        load(CONSUMERS / consumer / f"{message_type}.json"),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )

    # The same payloads at every run: a failure found is a failure reproduced.
    @settings(
        max_examples=200,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate, Phase.shrink],
    )
    @given(from_schema(load(published), custom_formats=FORMATS))
    def check(payload: dict[str, Any]) -> None:
        problems = [error.message for error in reads.iter_errors(payload)]
        assert not problems, f"{consumer} cannot read {payload}: {problems}"

    check()
