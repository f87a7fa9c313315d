"""The loopback receiver against real sockets: what it accepts, refuses and how it ends."""

from __future__ import annotations

import asyncio
import socket

import httpx2
import pytest

from snow_wizard.core.loopback import CallbackResult, LoopbackReceiver, describe_port_holder
from snow_wizard.errors import OAuthError

STATE = "0123456789abcdef0123456789abcdef"


async def _get(port: int, target: str, *, host: str | None = None) -> httpx2.Response:
    headers = {"Host": host} if host else None
    async with httpx2.AsyncClient(timeout=30) as c:  # generous: loaded machines
        return await c.get(f"http://127.0.0.1:{port}{target}", headers=headers)


async def _raw(port: int, data: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(), 30)
    finally:
        writer.close()


def _port_is_free(port: int) -> bool:
    """Can a new receiver bind it? (SO_REUSEADDR as asyncio does: TIME_WAIT is no owner.)"""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_code_with_right_state_is_the_result_then_closed(port: int) -> None:
    async def main() -> tuple[CallbackResult, httpx2.Response]:
        async with LoopbackReceiver(port, STATE) as r:
            waiter = asyncio.create_task(r.wait(60))
            resp = await _get(port, f"/callback?code=abc123&state={STATE}")
            result = await waiter
        with pytest.raises(httpx2.ConnectError):
            await _get(port, f"/callback?code=again&state={STATE}")  # replay: nobody listens
        return result, resp

    result, resp = asyncio.run(main())
    assert result.code == "abc123"
    assert "abc123" not in repr(result)
    assert resp.status_code == 200
    assert "You can close this tab" in resp.text
    assert resp.headers["cache-control"] == "no-store"
    assert _port_is_free(port)


def test_binds_loopback_only(port: int) -> None:
    async def main() -> list[str]:
        async with LoopbackReceiver(port, STATE) as r:
            return [str(s.getsockname()[0]) for s in r._server.sockets]  # type: ignore[union-attr]

    assert asyncio.run(main()) == ["127.0.0.1"]


def test_state_mismatch_and_missing_state_are_refused_and_wait_goes_on(port: int) -> None:
    async def main() -> tuple[list[int], CallbackResult, str]:
        async with LoopbackReceiver(port, STATE) as r:
            waiter = asyncio.create_task(r.wait(60))
            bad = await _get(port, "/callback?code=evil&state=" + "f" * 32)
            missing = await _get(port, "/callback?code=evil")
            bad_err = await _get(port, "/callback?error=access_denied&state=00")
            assert not waiter.done()
            good = await _get(port, f"/callback?code=real&state={STATE}")
            return [bad.status_code, missing.status_code, bad_err.status_code,
                    good.status_code], await waiter, bad.text

    statuses, result, text = asyncio.run(main())
    assert statuses == [400, 400, 400, 200]
    assert result.code == "real"
    assert "state mismatch" in text


def test_deny_is_consent_denied(port: int) -> None:
    async def main() -> httpx2.Response:
        async with LoopbackReceiver(port, STATE) as r:
            waiter = asyncio.create_task(r.wait(60))
            resp = await _get(port, f"/callback?error=access_denied&state={STATE}")
            with pytest.raises(OAuthError) as info:
                await waiter
            assert info.value.code == "consent_denied"
            return resp

    resp = asyncio.run(main())
    assert "Not authorized" in resp.text


def test_neither_code_nor_error_is_callback_invalid(port: int) -> None:
    async def main() -> None:
        async with LoopbackReceiver(port, STATE) as r:
            waiter = asyncio.create_task(r.wait(60))
            resp = await _get(port, f"/callback?state={STATE}")
            assert resp.status_code == 400
            with pytest.raises(OAuthError) as info:
                await waiter
            assert info.value.code == "callback_invalid"
            assert r.redirect_url in info.value.hint

    asyncio.run(main())


def test_other_error_is_callback_invalid_and_reflected_values_are_escaped(port: int) -> None:
    async def main() -> tuple[OAuthError, httpx2.Response]:
        async with LoopbackReceiver(port, STATE) as r:
            waiter = asyncio.create_task(r.wait(60))
            resp = await _get(
                port, f"/callback?error=server_error&error_description=%3Cscript%3Ex&state={STATE}"
            )
            try:
                await waiter
            except OAuthError as e:
                return e, resp
        raise AssertionError("no error")

    err, resp = asyncio.run(main())
    assert err.code == "callback_invalid"
    assert "<script>" not in resp.text
    assert "&lt;script&gt;x" in resp.text


def test_other_paths_404_wrong_host_400_post_405(port: int) -> None:
    async def main() -> list[int]:
        async with LoopbackReceiver(port, STATE) as r:
            waiter = asyncio.create_task(r.wait(60))
            codes = [
                (await _get(port, "/favicon.ico")).status_code,
                (await _get(port, f"/callback?code=x&state={STATE}", host="evil.example:80"))
                .status_code,
                (await _get(port, f"/callback?code=x&state={STATE}", host=f"localhost:{port}"))
                .status_code,
            ]
            await waiter
            return codes

    assert asyncio.run(main()) == [404, 400, 200]

    async def post() -> bytes:
        async with LoopbackReceiver(port, STATE) as r:
            answer = await _raw(port, f"POST /callback HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                                      "Content-Length: 0\r\n\r\n".encode())
            await r.close()
            return answer

    assert asyncio.run(post()).startswith(b"HTTP/1.1 405")


def test_oversized_headers_and_garbage_are_refused(port: int) -> None:
    async def main() -> tuple[bytes, bytes, bool]:
        async with LoopbackReceiver(port, STATE) as r:
            waiter = asyncio.create_task(r.wait(60))
            pad = b"a" * 20000
            big = await _raw(port, b"GET /callback HTTP/1.1\r\nX-Pad: " + pad + b"\r\n\r\n")
            junk = await _raw(port, b"\x16\x03\x01 hello\r\n\r\n")
            still_waiting = not waiter.done()
            waiter.cancel()
            return big, junk, still_waiting

    big, junk, waiting = asyncio.run(main())
    assert big.startswith(b"HTTP/1.1 431")
    assert junk.startswith(b"HTTP/1.1 400")
    assert waiting


def test_slow_connection_is_dropped_after_its_time(port: int) -> None:
    async def main() -> bytes:
        async with LoopbackReceiver(port, STATE, connection_timeout=0.3):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /callback")  # never finishes the request
            data = await asyncio.wait_for(reader.read(), 30)  # dropped after ~0.3 s
            writer.close()
            return data

    assert asyncio.run(main()) == b""  # closed by the server, no answer


def test_timeout_is_callback_timeout_with_redirect_url_and_frees_port(port: int) -> None:
    async def main() -> OAuthError:
        async with LoopbackReceiver(port, STATE) as r:
            try:
                await r.wait(0.2)
            except OAuthError as e:
                return e
        raise AssertionError("no timeout")

    err = asyncio.run(main())
    assert err.code == "callback_timeout"
    assert f"http://127.0.0.1:{port}/callback" in err.hint
    assert "first registered" in err.hint
    assert _port_is_free(port)


def test_cancellation_frees_the_port(port: int) -> None:
    async def main() -> None:
        bound = asyncio.Event()

        async def flow() -> None:
            async with LoopbackReceiver(port, STATE) as r:
                bound.set()
                await r.wait(60)

        task = asyncio.create_task(flow())
        await asyncio.wait_for(bound.wait(), 30)
        await asyncio.sleep(0)  # let it enter wait()
        assert not _port_is_free(port)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert _port_is_free(port)


def test_port_in_use_fails_at_once_naming_the_holder(port: int) -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", port))
    holder.listen()
    try:
        async def main() -> OAuthError:
            try:
                await LoopbackReceiver(port, STATE).start()
            except OAuthError as e:
                return e
            raise AssertionError("bound a busy port")

        err = asyncio.run(main())
    finally:
        holder.close()
    assert err.code == "port_in_use"
    assert str(port) in err.message
    assert "Redirect URL" in err.hint
    assert "pid" in err.message  # /proc names this very process
    assert describe_port_holder(port) is None  # closed now


def test_two_receivers_cannot_share_a_port(port: int) -> None:
    async def main() -> str:
        async with LoopbackReceiver(port, STATE):
            try:
                await LoopbackReceiver(port, STATE).start()
            except OAuthError as e:
                return e.code
        return "bound twice"

    assert asyncio.run(main()) == "port_in_use"
