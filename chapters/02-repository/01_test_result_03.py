from reading_club.domain.result import Err, Ok, Result


def halve(number: int) -> Result[int, str]:
    if number % 2:
        return Err(f"{number} is odd")
    return Ok(number // 2)


def describe(result: Result[int, str]) -> str:
    match result:
        case Ok(value):
            return f"got {value}"
        case Err(error):
            return f"failed: {error}"


def test_a_result_is_matched_by_its_kind() -> None:
    assert describe(halve(42)) == "got 21"
    assert describe(halve(7)) == "failed: 7 is odd"


def test_results_compare_by_value() -> None:
    assert halve(42) == Ok(21)
    assert halve(42) != Ok(20)
    assert halve(7) == Err("7 is odd")
