"""The sandbox serves from its own threads: an asyncio loop in the test never has to."""

from __future__ import annotations

import asyncio
import time

from sandbox_helpers import DEMO_PASSWORD, new_async_client, new_client

from snow_wizard.sandbox import Sandbox


def test_async_client_on_the_test_loop(sb: Sandbox) -> None:
    async def main() -> list[int]:
        async with new_async_client(base_url=sb.url) as client:
            calls = [client.get("/api/now/ui/user/current_user", auth=("admin", DEMO_PASSWORD))
                     for _ in range(10)]
            return [r.status_code for r in await asyncio.gather(*calls)]

    assert asyncio.run(main()) == [200] * 10


def test_slow_calls_are_served_concurrently(sb: Sandbox) -> None:
    sb.faults.delay = 0.4

    async def main() -> None:
        async with new_async_client(base_url=sb.url) as client:
            await asyncio.gather(*(client.get("/") for _ in range(5)))

    started = time.monotonic()
    asyncio.run(main())
    assert time.monotonic() - started < 1.5  # five 0.4 s calls, not one after another


def test_two_sandboxes_are_independent() -> None:
    with Sandbox() as a, Sandbox() as b:
        assert a.port != b.port
        a.faults.hibernating = True
        with new_client(timeout=5) as client:
            assert "hibernating" in client.get(a.url + "/").text
            assert "hibernating" not in client.get(b.url + "/").text
            auth = ("admin", a.demo_user.password)
            assert client.get(b.url + "/api/now/ui/user/current_user", auth=auth).status_code == 401
