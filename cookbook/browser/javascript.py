"""The JavaScript that the checks run in a page, read from ``js/``.

Each file holds one function, which ``page.evaluate`` calls and whose result
it returns. They are read through ``importlib.resources``, relative to the
package and not to the working directory, so any command that can import
``cookbook`` finds them. An expression of a single line stays in the Python
that uses it.
"""

from functools import cache
from importlib.resources import files


@cache
def script(name: str) -> str:
    """The function in ``js/<name>.js``."""
    return (
        files("cookbook.browser")
        .joinpath("js", f"{name}.js")
        .read_text(encoding="utf-8")
    )
