"""dev.py: the check runs one step per CPU in each chapter session."""

from cookbook.runner import usable_cpus
from dev import check_environment


def test_the_check_runs_one_step_per_cpu() -> None:
    environment = check_environment({"PATH": "/usr/bin"})
    assert environment["COOKBOOK_STEP_JOBS"] == str(usable_cpus())
    assert environment["PATH"] == "/usr/bin"


def test_a_count_set_beforehand_is_kept() -> None:
    assert check_environment({"COOKBOOK_STEP_JOBS": "5"})["COOKBOOK_STEP_JOBS"] == "5"


def test_an_empty_count_is_set() -> None:
    environment = check_environment({"COOKBOOK_STEP_JOBS": " "})
    assert environment["COOKBOOK_STEP_JOBS"] == str(usable_cpus())
