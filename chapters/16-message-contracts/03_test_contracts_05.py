import difflib
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from messagebus import AsyncMessageBus

from reading_club.contracts import as_text, contracts
from reading_club.domain.messages import RegisterBook
from reading_club.routes import CATALOGUE
from reading_club.service.unit_of_work import AbstractUnitOfWork

from fakes import EventStream

PROJECT = Path(__file__).parents[1]
CONTRACTS = Path("contracts")
"""The contracts as committed, beside the code."""

TO_WRITE = "Run `python -m reading_club.contracts` and commit the contracts."

ON_PURPOSE = (
    "A published version may change only in a way that its consumers can "
    "ignore, such as a new field with a default, and only once each "
    "consumer's contract accepts it. If so, or if no message of this version "
    "was ever sent: " + TO_WRITE + " Otherwise, change the model back, and "
    "publish a new version instead."
)


def committed_contracts() -> set[Path]:
    """The committed contracts that the club owns: its own messages', and
    its catalogue's. The other consumers' files are theirs."""
    folder = PROJECT / CONTRACTS
    catalogue = folder / "consumers" / CATALOGUE.queue
    owned = [*folder.glob("*.json"), *catalogue.glob("*.json")]
    return {path.relative_to(folder) for path in owned}


@pytest.mark.parametrize("path", sorted(contracts()), ids=str)
def test_the_committed_contract_is_the_one_the_code_makes(path: Path) -> None:
    committed = CONTRACTS / path
    assert (PROJECT / committed).exists(), f"{committed} is missing. {TO_WRITE}"

    made = as_text(contracts()[path]).splitlines(keepends=True)
    was = (PROJECT / committed).read_text().splitlines(keepends=True)
    diff = "".join(difflib.unified_diff(was, made, f"{committed}", "the code's"))
    if diff:
        pytest.fail(f"the code no longer makes {committed}:\n{diff}{ON_PURPOSE}", False)


@pytest.mark.parametrize(
    "path", sorted(path for path in contracts() if len(path.parts) == 1), ids=str
)
def test_a_published_contract_requires_every_field(path: Path) -> None:
    """The club sends every field, those with a default too: a nested model
    that forgot to say so would let a contract promise less than it sends."""
    contract = contracts()[path]
    for schema in [contract, *contract.get("$defs", {}).values()]:
        optional = set(schema["properties"]) - set(schema.get("required", []))
        assert not optional, f"{schema['title']} does not require {optional}"


def test_the_code_makes_every_committed_contract() -> None:
    left = sorted(str(path) for path in committed_contracts() - contracts().keys())
    assert not left, (
        f"no code makes {left} any more: keep the model while a message of its "
        "version can be in flight, then delete the contract."
    )


async def test_what_the_club_publishes_fits_its_contract(
    bus: AsyncMessageBus[AbstractUnitOfWork],
    in_memory_uow: AbstractUnitOfWork,
    event_stream: EventStream,
    register_dune: RegisterBook,
) -> None:
    async with in_memory_uow as transaction:
        await bus.handle(register_dune, transaction)
        await transaction.commit()

    [message] = event_stream
    contract = json.loads((PROJECT / CONTRACTS / f"{message['type']}.json").read_text())
    problems = Draft202012Validator(
        contract, format_checker=Draft202012Validator.FORMAT_CHECKER
    ).iter_errors(json.loads(message["payload"]))
    assert [problem.message for problem in problems] == []
