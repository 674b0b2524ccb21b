"""The whole check, as CI runs it, timed, and where its CPU time goes.

``nox -s benchmark -- --whole-check`` clones the committed state of the
repository into a temporary folder and runs ``python3 dev.py check`` there,
as ``.ci/run`` does on a fresh clone (uv's cache and Chromium are the
machine's own). Meanwhile it samples, every 0.2 s, the CPU time of every
process started since, and counts it to the download whose suite the
process runs, or to the nox session whose virtualenv it runs from.

It prints the wall time against the budget of six minutes, the CPU time that
the kernel counted for the check's processes (exact), and the CPU time of
each download and session (sampled: the last 0.2 s of a process before it
ends is missed, and a process shorter than that is not seen at all).

Two cores give six minutes 720 s of CPU time, at full use; the check rarely
uses more than 85 % of them, since its tests wait for the programs they start.
"""

import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
BUDGET_SECONDS = 360.0
SAMPLE_EVERY = 0.2
DOWNLOAD = re.compile(r"/reading-club-(?P<number>\d\d)-")
SESSION = re.compile(r"/\.nox/(?P<name>[\w-]+)/")
BROWSER = re.compile(r"chrom|playwright", re.IGNORECASE)
LOG = ROOT / "build" / "whole-check.log"


def group_of(process: psutil.Process) -> str:
    """Where a process's CPU time counts: a download's suite (its files are
    in the unpacked zip, ``reading-club-NN-...``), a nox session (its Python,
    or a server's binary, is in ``.nox/<session>/``), or neither."""
    with process.oneshot():
        where = " ".join([*process.cmdline(), process.exe(), process.cwd()])
    if match := DOWNLOAD.search(where):
        return f"download {match['number']}"
    if match := SESSION.search(where):
        return f"session {match['name']}"
    if BROWSER.search(where):
        return "session browser"  # Chromium, and Playwright's driver
    return "other (nox, uv, git, ...)"


@dataclass
class Sampler:
    """The CPU time of each process started after ``since``, by group."""

    since: float
    seen: dict[tuple[int, float], tuple[str, float]] = field(default_factory=dict)

    def sample(self) -> None:
        for process in psutil.process_iter():
            try:
                started = process.create_time()
                if started < self.since or process.pid == psutil.Process().pid:
                    continue
                key = (process.pid, started)
                group = self.seen[key][0] if key in self.seen else group_of(process)
                times = process.cpu_times()
                self.seen[key] = (group, times.user + times.system)
            except psutil.Error:  # it ended meanwhile
                continue

    def by_group(self) -> dict[str, float]:
        groups: dict[str, float] = defaultdict(float)
        for group, seconds in self.seen.values():
            groups[group] += seconds
        return dict(groups)


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def report(wall: float, cpu: float, groups: dict[str, float]) -> str:
    sampled = sum(groups.values()) or 1.0
    downloads = sum(s for g, s in groups.items() if g.startswith("download"))
    chapters = sum(s for g, s in groups.items() if g.startswith("session chapter-"))
    over = wall - BUDGET_SECONDS
    verdict = f"OVER by {minutes(over)}" if over > 0 else "ok"
    shares = [
        ("the downloads' whole suites", downloads),
        ("the chapter sessions' steps", chapters),
        ("the rest", sampled - downloads - chapters),
    ]
    lines = [
        f"whole check: {minutes(wall)} wall, budget {minutes(BUDGET_SECONDS)}: "
        f"{verdict}",
        f"CPU time: {cpu:.0f} s ({cpu / wall:.0%} of one core); sampled "
        f"{sampled:.0f} s, of which:",
        *(f"  {label:<28} {s:6.0f} s {s / sampled:5.0%}" for label, s in shares),
        "by download and session:",
        *(
            f"  {group:<28} {seconds:6.1f} s"
            for group, seconds in sorted(groups.items(), key=lambda item: -item[1])
        ),
    ]
    return "\n".join(lines)


def ci_environment() -> dict[str, str]:
    """This environment without the benchmark session's own: CI starts from
    a shell, not from inside a nox session."""
    own_bin = str(Path(sys.prefix) / "bin")
    environment = {
        key: value
        for key, value in os.environ.items()
        if key != "VIRTUAL_ENV" and not key.startswith("NOX_")
    }
    path = environment.get("PATH", "").split(os.pathsep)
    environment["PATH"] = os.pathsep.join(entry for entry in path if entry != own_bin)
    return environment


def main() -> int:
    LOG.parent.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="whole-check-") as folder,
        LOG.open("w", encoding="utf-8") as log,
    ):
        clone = Path(folder) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        began = time.time()
        sampler = Sampler(since=began - 1)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        check = subprocess.Popen(
            ["python3", "dev.py", "check"],
            cwd=clone,
            env=ci_environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        while check.poll() is None:
            sampler.sample()
            time.sleep(SAMPLE_EVERY)
        wall = time.time() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if check.returncode != 0:
        print(f"whole check: FAILED (exit {check.returncode}), see {LOG}")
    print(report(wall, cpu, sampler.by_group()))
    return check.returncode


if __name__ == "__main__":
    sys.exit(main())
