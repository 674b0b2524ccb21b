"""``python -m cookbook.browser build/html [--only CHECK] [--no-install]``."""

import argparse
import sys
from pathlib import Path

from cookbook.browser.all_checks import CHECKS, check_site
from cookbook.browser.chromium import NoChromiumError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cookbook.browser")
    parser.add_argument("site", type=Path, help="the built HTML folder")
    parser.add_argument(
        "--no-install",
        action="store_true",
        help="do not install the downloaded zips nor run their tests",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        choices=CHECKS,
        help="run only this check (repeatable; crawl always runs)",
    )
    arguments = parser.parse_args(argv)
    try:
        problems = check_site(
            arguments.site,
            install=not arguments.no_install,
            only=tuple(arguments.only),
        )
    except NoChromiumError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"\n{problem}", file=sys.stderr)
    if problems:
        print(f"\n{len(problems)} problem(s) in the browser.", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
