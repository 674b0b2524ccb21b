"""The JavaScript of the browser checks is found as files of the package."""

import re
from importlib.resources import files

import pytest

from cookbook.browser.javascript import script

PACKAGE = files("cookbook.browser")
SCRIPTS = sorted(
    entry.name.removesuffix(".js")
    for entry in PACKAGE.joinpath("js").iterdir()
    if entry.name.endswith(".js")
)


def test_every_script_the_checks_run_is_a_file_and_every_file_is_run() -> None:
    python = "".join(
        entry.read_text(encoding="utf-8")
        for entry in PACKAGE.iterdir()
        if entry.name.endswith(".py")
    )

    assert sorted(set(re.findall(r'script\("(\w+)"\)', python))) == SCRIPTS
    assert SCRIPTS  # the checks run some JavaScript


@pytest.mark.parametrize("name", SCRIPTS)
def test_each_script_is_one_function(name: str) -> None:
    code = "\n".join(
        line for line in script(name).splitlines() if not line.startswith("//")
    )

    assert code.startswith(("() =>", "async () =>"))


def test_a_script_that_is_not_there() -> None:
    with pytest.raises(FileNotFoundError):
        script("nowhere")
