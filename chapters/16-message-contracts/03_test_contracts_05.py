import difflib
from pathlib import Path

import pytest

from reading_club.contracts import as_text, contracts

PROJECT = Path(__file__).parents[1]
CONTRACTS = Path("contracts")
"""The contracts as committed, beside the code."""

TO_UPDATE = (
    "If the change is meant, and no message of this version can still be in "
    "flight, run `python -m reading_club.contracts` and commit the contracts. "
    "Otherwise, change the model back, and publish a new version instead."
)


@pytest.mark.parametrize("path", sorted(contracts()), ids=str)
def test_the_committed_contract_is_the_one_the_code_makes(path: Path) -> None:
    committed = CONTRACTS / path
    assert (PROJECT / committed).exists(), f"{committed} is missing. {TO_UPDATE}"

    made = as_text(contracts()[path]).splitlines(keepends=True)
    was = (PROJECT / committed).read_text().splitlines(keepends=True)
    diff = "".join(difflib.unified_diff(was, made, f"{committed}", "the code's"))
    if diff:
        pytest.fail(f"the code no longer makes {committed}:\n{diff}{TO_UPDATE}", False)
