"""Command line: ``python -m cookbook verify|export|requirements|check|carry``."""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from cookbook import archive, carry_forward, runner
from cookbook.carry_forward import Result, Status
from cookbook.errors import CookbookError
from cookbook.manifest import Chapter, load_chapters
from cookbook.paths import CHAPTERS_DIR, display
from cookbook.requirements import chapter_requirements
from cookbook.state import find_chapter, state_at, write_state


def main(argv: Sequence[str] | None = None, chapters_dir: Path = CHAPTERS_DIR) -> int:
    arguments = _parser().parse_args(argv)
    try:
        chapters = load_chapters(chapters_dir)
        return int(arguments.handler(chapters, arguments))
    except (CookbookError, runner.StepJobsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cookbook", description="Executable chapters of the cookbook."
    )
    commands = parser.add_subparsers(required=True, metavar="command")

    verify = commands.add_parser("verify", help="replay chapters and check every step")
    verify.add_argument(
        "chapters", nargs="*", type=int, help="chapter numbers (default: all)"
    )
    verify.add_argument(
        "--record", action="store_true", help="re-record the transcripts"
    )
    verify.add_argument("--step", type=int, help="stop after this step")
    verify.add_argument(
        "--jobs",
        type=runner.jobs_option,
        help="how many steps run at once (default: $COOKBOOK_STEP_JOBS if set, "
        "else all of them, up to four per CPU)",
    )
    verify.set_defaults(handler=_verify)

    export = commands.add_parser("export", help="write a chapter's project state")
    export.add_argument("chapter", type=int)
    export.add_argument("destination", type=Path)
    export.add_argument(
        "--step", type=int, help="the state after this step (default: the end)"
    )
    export.add_argument("--zip", action="store_true", help="write a zip file instead")
    export.set_defaults(handler=_export)

    requirements = commands.add_parser(
        "requirements", help="print what the chapters' projects depend on"
    )
    requirements.add_argument("chapters", nargs="*", type=int)
    requirements.set_defaults(handler=_requirements)

    check = commands.add_parser("check", help="validate every manifest, run nothing")
    check.set_defaults(handler=_check)

    carry = commands.add_parser(
        "carry",
        help="carry an edited snippet's change into the later versions of its file",
    )
    carry.add_argument("snippet", type=Path, help="the edited snippet file")
    carry.add_argument(
        "--from",
        dest="revision",
        default="HEAD",
        metavar="REV",
        help="the git revision holding the snippet before the edit (default: HEAD)",
    )
    carry.set_defaults(handler=_carry)
    return parser


def _selected(chapters: tuple[Chapter, ...], numbers: Sequence[int]) -> list[Chapter]:
    return [find_chapter(chapters, number) for number in numbers] or list(chapters)


def _verify(chapters: tuple[Chapter, ...], arguments: argparse.Namespace) -> int:
    runner.steps_at_once_setting()  # a wrong COOKBOOK_STEP_JOBS, said before any step
    failed = 0
    for chapter in _selected(chapters, arguments.chapters):
        print(f"chapter {chapter.label}: {chapter.title}")
        reports = runner.verify_chapter(
            chapters,
            chapter,
            record=arguments.record,
            last_step=arguments.step,
            jobs=arguments.jobs,
        )
        width = max(
            (len(report.run.transcript.command) for report in reports), default=0
        )
        for report in reports:
            run = report.run
            status = (
                "FAILED"
                if report.problems
                else ("recorded" if arguments.record else "ok")
            )
            print(
                f"  step {run.step.number:2d}  {run.transcript.command:<{width}}  "
                f"expected {run.step.expect}, got {run.outcome}  "
                f"{run.seconds:5.2f} s  {status}"
            )
        for report in reports:
            for problem in report.problems:
                print(f"\n{problem}", file=sys.stderr)
        failed += sum(1 for report in reports if report.problems)
    if failed:
        print(f"\n{failed} step(s) failed verification.", file=sys.stderr)
        return 1
    return 0


def _export(chapters: tuple[Chapter, ...], arguments: argparse.Namespace) -> int:
    chapter = find_chapter(chapters, arguments.chapter)
    state = state_at(chapters, chapter.number, arguments.step)
    if arguments.zip:
        archive.write_zip(state, arguments.destination, archive.top_folder(chapter))
    else:
        write_state(state, arguments.destination)
    destination = arguments.destination
    print(f"wrote {len(state)} files of chapter {chapter.label} to {destination}")
    return 0


def _requirements(chapters: tuple[Chapter, ...], arguments: argparse.Namespace) -> int:
    seen: dict[str, None] = {}
    for chapter in _selected(chapters, arguments.chapters):
        seen.update(dict.fromkeys(chapter_requirements(chapters, chapter)))
    print("\n".join(seen))
    return 0


def _check(chapters: tuple[Chapter, ...], arguments: argparse.Namespace) -> int:
    for chapter in chapters:
        state_at(chapters, chapter.number)
        snippets = sum(len(step.writes) for step in chapter.steps)
        print(
            f"chapter {chapter.label}: {len(chapter.steps)} steps, "
            f"{snippets} snippets, {chapter.title}"
        )
    return 0


def _carry(chapters: tuple[Chapter, ...], arguments: argparse.Namespace) -> int:
    snippet: Path = arguments.snippet
    lineage = carry_forward.lineage(chapters, snippet)
    before, after = carry_forward.edit_of(snippet, arguments.revision)
    target = lineage.edited.target
    print(
        f"{target}: carrying the edit of {display(snippet)} (since "
        f"{arguments.revision}) into {len(lineage.later)} later version(s)"
    )
    if not lineage.later:
        print(f"  no later snippet writes {target}: nothing to carry")
    results = list(carry_forward.carry(lineage, before, after))
    notes = {
        Status.CHANGED: "",
        Status.UNCHANGED: "  (the change is already there: nothing to do)",
        Status.CONFLICT: "  (left untouched)",
    }
    for result in results:
        print(
            f"  {result.status.value:<12}{display(result.snippet.source)}"
            f"{notes[result.status]}"
        )
    for skipped in lineage.later[len(results) :]:
        print(f"  {'not reached':<12}{display(skipped.source)}")
    if lineage.deleted_by and len(results) == len(lineage.later):
        print(f"  (the chain ends where {lineage.deleted_by} deletes {target})")
    if results and results[-1].status is Status.CONFLICT:
        _report_conflict(results[-1], arguments.revision)
        return 1
    return 0


def _report_conflict(result: Result, revision: str) -> None:
    path = display(result.snippet.source)
    print(
        f"\nerror: {path}: the change does not apply cleanly "
        f"({len(result.hunks)} conflicting hunk(s), below); the file is left "
        "untouched and the later versions were not reached. Apply the change "
        "to it by hand, then carry on from it with:\n"
        f"  python -m cookbook carry {path} --from {revision}\n",
        file=sys.stderr,
    )
    for number, hunk in enumerate(result.hunks, start=1):
        print(f"conflict {number} in {path}:\n{hunk}", file=sys.stderr)
