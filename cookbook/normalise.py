"""Make command output comparable across runs and readable on the page.

Two operations, kept apart on purpose:

* ``anonymise`` runs once, when a transcript is recorded. It replaces the
  absolute paths of the recording machine with stable placeholders, so the
  page shows ``~/reading-club`` instead of a build folder.
* ``normalise`` runs on both sides of a comparison. It masks what changes
  from run to run (durations, addresses, ids, timestamps, ports, versions)
  so that only a real change of behaviour shows as a difference.
"""

import re
from collections.abc import Callable, Mapping

PROJECT_PLACEHOLDER = "~/reading-club"


def anonymise(text: str, replacements: Mapping[str, str]) -> str:
    """Replace each absolute path in ``replacements`` with its placeholder.

    Longer paths are replaced first, so a virtualenv inside the project folder
    is not half-replaced by the project's own placeholder. A path is replaced
    where it stands as a path, not inside a longer one or inside a word: the
    home folder ``/root`` is not the ``/root`` of ``mysql://root@db``.
    """
    for path in sorted(replacements, key=len, reverse=True):
        if path:
            alone = re.compile(rf"(?<![\w/.-]){re.escape(path)}(?![\w-])")
            text = alone.sub(replacements[path].replace("\\", r"\\"), text)
    return text


HOST_PLACEHOLDER = "<host>"


def mask_host(text: str, hostname: str) -> str:
    """``text`` with this machine's name replaced, where it stands as a word.

    A Celery worker is named ``queue@<host>``, and its logs repeat the name.
    A name that could be an ordinary word of the output is left alone.
    """
    if len(hostname) < 3 or hostname == "localhost":
        return text
    pattern = re.compile(rf"(?<![\w.-]){re.escape(hostname)}(?![\w-])")
    return pattern.sub(HOST_PLACEHOLDER, text)


Rule = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]

_VERSION = re.compile(r"\d+(?:\.\d+)+\w*")

RULES: tuple[Rule, ...] = (
    # pytest cuts each line of its short summary to the terminal's width: the
    # word cut off may be part of a date, a time or an id ("on 2026-...").
    (
        re.compile(r"^((?:FAILED|ERROR) .*?)[\w:.+-]*\d[\w:.+-]*\.\.\.$", re.MULTILINE),
        r"\1<cut>...",
    ),
    # pytest's header names the versions of Python, pytest and its plugins.
    (
        re.compile(r"^(platform |plugins: ).*$", re.MULTILINE),
        lambda match: _VERSION.sub("<version>", match[0]),
    ),
    (re.compile(r"--randomly-seed=\d+"), "--randomly-seed=<seed>"),
    # Identifiers and addresses differ on every run.
    (re.compile(r"\b[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\b"), "<uuid>"),
    # pytest shortens a long repr around "...", keeping its start and its end:
    # the piece of an id beside the cut changes as the whole id does, and a
    # uuid7's first digits are the time it was made ('01a20...' one month,
    # '01a24...' the next).
    (re.compile(r"(['\"])[0-9a-fA-F][0-9a-fA-F-]*\.\.\."), r"\1<id>..."),
    (re.compile(r"\.\.\.[0-9a-fA-F-]*[0-9a-fA-F](['\"])"), r"...<id>\1"),
    # Where the installed packages are: pytest shows a relative path when it
    # is shorter than the absolute one, so it depends on the machine's folders.
    (re.compile(r"(?:[^\s\"'(]*/)?site-packages/"), "<site-packages>/"),
    # SQLAlchemy binds a UUID as 32 hex digits on SQLite, as SQL parameters show.
    (re.compile(r"\b[0-9a-fA-F]{32}\b"), "<uuid>"),
    (re.compile(r"\b0x[0-9a-fA-F]{4,}\b"), "0x<address>"),
    (
        # A fraction after a dot (ISO 8601) or a comma (Python's logging).
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}"
            r"(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
        ),
        "<timestamp>",
    ),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), "<date>"),
    (re.compile(r"datetime\.datetime\([^()]*(?:\([^()]*\)[^()]*)*\)"), "<datetime>"),
    (
        re.compile(r"\b(localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]):\d{2,5}\b"),
        r"\1:<port>",
    ),
    (re.compile(r"\bpid[ =:]+\d+", re.IGNORECASE), "pid <pid>"),
    # Durations: "0.42s", "12ms", "3.1 seconds". pytest adds the duration
    # as h:mm:ss ("in 61.20s (0:01:01)", "(1 day, 0:00:05)") only to a run
    # of a minute or more: on a slower machine, the same run gains it, so
    # it goes.
    (re.compile(r"(?<=\d\.\d\ds) \((?:\d+ days?, )?\d+:\d{2}:\d{2}\)"), ""),
    (
        re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?: ?(?:ms|s|µs|seconds?))(?!\w)"),
        "<duration>",
    ),
    # pytest pads its separator lines to the terminal width, so a longer
    # duration shortens the run of "=" around it.
    (re.compile(r"[=_-]{3,}"), lambda match: match[0][0] * 3),
    (re.compile(r"[ \t]+$", re.MULTILINE), ""),
)


RANDOM_ORDER = "--randomly-seed="
OUTCOME = r"(?:PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)"
VERBOSE_RESULT = re.compile(rf"^(?P<test>\S+::\S.*? {OUTCOME})(?:\s+\[\s*\d+%\])?$")
PROGRESS = re.compile(r"^(?P<file>\S+\.py) (?P<marks>[.FEsxX]+)(?:\s+\[\s*\d+%\])?$")


def _sorted_results(text: str) -> str:
    """Results of a shuffled run (pytest-randomly), in a stable order.

    Each run of consecutive result lines is sorted, and the progress
    percentages, which depend on the order, are dropped.
    """
    lines: list[str] = []
    block: list[str] = []
    for line in [*text.splitlines(), ""]:
        verbose, progress = VERBOSE_RESULT.match(line), PROGRESS.match(line)
        if verbose:
            block.append(verbose["test"])
        elif progress:
            block.append(f"{progress['file']} {''.join(sorted(progress['marks']))}")
        else:
            lines += sorted(block)
            block = []
            lines.append(line)
    return "\n".join(lines[:-1])


def normalise(text: str) -> str:
    """``text`` with every run-dependent detail masked."""
    if RANDOM_ORDER in text:
        text = _sorted_results(text)
    for pattern, replacement in RULES:
        text = pattern.sub(replacement, text)
    return text.rstrip("\n") + "\n"
