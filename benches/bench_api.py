"""Benchmark: the OpenAI-compatible server's streaming overhead and 200 concurrent streams.

1. Overhead: time to first token (TTFT) and time per token of ``POST /v1/chat/completions``
   (``stream: true``, over HTTP, through routing, SSE encoding and httpx decoding) next to
   iterating the same provider's async generator directly in this process. Medians.
2. Against the emulator: TTFT and whole time of a streamed ``/v1/chat/completions`` answered
   by ``ChatGpt`` (chat requirements, proof of work at the emulator's easy default difficulty,
   turnstile, the ``delta_encoding`` conversation stream) next to calling ``ChatGpt`` directly.
   Each side talks to its own ``fastg4f.emulators.offline()`` emulators in its own process (the
   server's via ``create_app(offline=True)``). Medians.
3. Concurrency: 200 concurrent streaming requests against one server process: every stream
   must complete with the full text and no error; the server's peak RSS growth per stream.
4. ``--hardening``: (a) 300 half-open requests (headers never finished) against a server whose
   open-file limit is 256: how many of 20 ``/health`` probes over 10 s are answered (uvicorn's
   plain protocol: none, the server is stuck; ours: answered once the header timeout, 2 s here,
   closed them); (b) 500 concurrent streams through ``create_app(offline=True)`` (ChatGptt
   against its emulator): errors must be 0; (c) the keep-alive race: 200 clients (httpx, whose
   pool keeps idle connections 5 s) each stream 10 answers on one reused connection, pausing
   4.8-5.0 s between them (2000 requests), against uvicorn's default keep-alive timeout (5 s)
   and ours (75 s): errors for each.

The server runs as a separate process (uvicorn, 127.0.0.1, ephemeral port); rows 1 and 3 serve a
provider that yields a fixed number of tokens with no upstream latency, so the numbers are the
server's own cost. ``--short`` is the CI mode. Refuses a debug build (``--allow-debug``
overrides, labelled).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from typing import Any, ClassVar

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

import httpx

from _common import bench_parser, build_label
from fastg4f import _native, emulators
from fastg4f.providers import AsyncGeneratorProvider, ChatGpt
from fastg4f.typing import Messages

CONCURRENT = 200
BENCHES = pathlib.Path(__file__).resolve().parent
EMULATED_MESSAGES = [{"role": "user", "content": "Say hello to the benchmark."}]


class Tokens(AsyncGeneratorProvider):
    """Yields ``count`` tokens, sleeping ``gap`` seconds between them (0: no upstream latency)."""

    url = "http://127.0.0.1"
    working = True
    models: ClassVar[list[str]] = ["tokens"]

    @classmethod
    async def create_async_generator(
        cls,
        model: str,
        messages: Messages,
        stream: bool = True,
        count: int = 100,
        gap: float = 0.0,
        **kwargs: Any,
    ) -> AsyncIterator[str]:
        spec = str(messages[-1]["content"]).split()
        count = int(spec[0]) if spec else count
        gap = float(spec[1]) if len(spec) > 1 else gap
        for i in range(count):
            if gap:
                await asyncio.sleep(gap)
            yield f"t{i} "


def serve() -> None:
    """Runs the server (child process): prints its port, serves until stdin closes."""
    import threading

    import uvicorn

    from fastg4f.api import create_app

    config = uvicorn.Config(
        create_app([Tokens, ChatGpt], offline=True),
        host="127.0.0.1",
        port=0,
        log_level="error",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    print(server.servers[0].sockets[0].getsockname()[1], flush=True)
    sys.stdin.read()
    server.should_exit = True
    thread.join(10)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not found for pid {pid}")


async def direct(count: int) -> tuple[float, float]:
    """(TTFT, whole time) of iterating the provider directly."""
    start = time.perf_counter()
    first = 0.0
    async for _ in Tokens.create_async_generator(
        "tokens", [{"role": "user", "content": ""}], count=count
    ):
        if not first:
            first = time.perf_counter() - start
    return first, time.perf_counter() - start


async def direct_emulated() -> tuple[float, float, str]:
    """(TTFT, whole time, text) of calling ChatGpt directly (inside ``offline()``)."""
    start = time.perf_counter()
    first = 0.0
    parts: list[str] = []
    async for chunk in ChatGpt.create_async_generator("auto", EMULATED_MESSAGES):
        if isinstance(chunk, str) and chunk:
            if not first:
                first = time.perf_counter() - start
            parts.append(chunk)
    return first, time.perf_counter() - start, "".join(parts)


async def over_http(
    client: httpx.AsyncClient, count: int, gap: float = 0.0, body: dict[str, Any] | None = None
) -> tuple[float, float, str]:
    """(TTFT, whole time, text) of one streamed request (default: ``count`` Tokens)."""
    body = body or {
        "model": "tokens",
        "stream": True,
        "messages": [{"role": "user", "content": f"{count} {gap}"}],
    }
    start = time.perf_counter()
    first = 0.0
    parts: list[str] = []
    async with client.stream("POST", "/v1/chat/completions", json=body) as response:
        if response.status_code != 200:
            raise RuntimeError(f"status {response.status_code}: {await response.aread()!r}")
        async for line in response.aiter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            event = json.loads(line[6:])
            if "error" in event:
                raise RuntimeError(f"stream error: {event['error']}")
            content = event["choices"][0]["delta"].get("content")
            if content:
                if not first:
                    first = time.perf_counter() - start
                parts.append(content)
    return first, time.perf_counter() - start, "".join(parts)


async def overhead(base: str, count: int, repeats: int) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await over_http(client, count)  # warm up the connection and the server
        http = [await over_http(client, count) for _ in range(repeats)]
    local = [await direct(count) for _ in range(repeats)]
    d_ttft = statistics.median(x[0] for x in local)
    d_tok = statistics.median(x[1] / count for x in local)
    h_ttft = statistics.median(x[0] for x in http)
    h_tok = statistics.median((x[1] - x[0]) / (count - 1) for x in http)
    print(f"streaming overhead ({count} tokens, median of {repeats})")
    header = f"{'metric':<18}{'direct µs':>12}{'via API µs':>13}{'overhead µs':>13}{'ratio':>9}"
    print(header)
    print("-" * len(header))
    for name, a, b in (("time to 1st token", d_ttft, h_ttft), ("per token", d_tok, h_tok)):
        print(f"{name:<18}{a * 1e6:>12.1f}{b * 1e6:>13.1f}{(b - a) * 1e6:>13.1f}{b / a:>8.0f}x")


async def emulated(base: str, repeats: int) -> bool:
    body = {"model": "auto", "provider": "ChatGpt", "stream": True, "messages": EMULATED_MESSAGES}
    expected = emulators.expected_answer("ChatGpt", EMULATED_MESSAGES)
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await over_http(client, 0, body=body)  # warm up
        http = [await over_http(client, 0, body=body) for _ in range(repeats)]
    with emulators.offline():
        await direct_emulated()
        local = [await direct_emulated() for _ in range(repeats)]
    wrong = sum(1 for r in (*http, *local) if r[2] != expected)
    print(f"\nChatGpt against the emulator ({len(expected)} chars, median of {repeats})")
    header = f"{'metric':<18}{'direct ms':>12}{'via API ms':>13}{'overhead ms':>13}{'ratio':>9}"
    print(header)
    print("-" * len(header))
    rows = (
        ("time to 1st token", [x[0] for x in local], [x[0] for x in http]),
        ("whole answer", [x[1] for x in local], [x[1] for x in http]),
    )
    for name, direct_times, api_times in rows:
        a, b = statistics.median(direct_times), statistics.median(api_times)
        print(f"{name:<18}{a * 1e3:>12.2f}{b * 1e3:>13.2f}{(b - a) * 1e3:>13.2f}{b / a:>8.2f}x")
    if wrong:
        print(f"  {wrong} answers differ from the emulator's expected text", file=sys.stderr)
    return not wrong


async def concurrency(base: str, pid: int, count: int, gap: float) -> bool:
    expected = "".join(f"t{i} " for i in range(count))
    limits = httpx.Limits(max_connections=CONCURRENT, max_keepalive_connections=CONCURRENT)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        await over_http(client, 2)
        before = rss_kib(pid)
        cpu_before = cpu_seconds(pid)
        start = time.perf_counter()
        results = await asyncio.gather(
            *(over_http(client, count, gap) for _ in range(CONCURRENT)), return_exceptions=True
        )
        wall = time.perf_counter() - start
    cpu = cpu_seconds(pid) - cpu_before
    peak = rss_kib(pid, "VmHWM")
    errors = [r for r in results if isinstance(r, BaseException)]
    complete = sum(1 for r in results if not isinstance(r, BaseException) and r[2] == expected)
    ttfts = sorted(r[0] for r in results if not isinstance(r, BaseException))
    print(f"\n{CONCURRENT} concurrent streams ({count} tokens, {gap * 1000:.0f} ms apart)")
    print(f"  completed with the full text: {complete}/{CONCURRENT}, errors: {len(errors)}")
    if ttfts:
        p50, p95 = ttfts[len(ttfts) // 2], ttfts[int(len(ttfts) * 0.95) - 1]
        print(f"  wall {wall:.2f} s; TTFT p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
    print(f"  server CPU {cpu:.2f} s: {cpu / CONCURRENT * 1000:.2f} ms per stream")
    print(
        f"  server RSS {before / 1024:.1f} MiB before, peak {peak / 1024:.1f} MiB: "
        f"{max(0, peak - before) / CONCURRENT:.1f} KiB per stream"
    )
    for error in errors[:3]:
        print(f"  error: {type(error).__name__}: {error}", file=sys.stderr)
    return complete == CONCURRENT and not errors


_LIMITED_SERVER = r"""
import resource, sys, uvicorn
if sys.argv[2] != "0":
    resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[2]), int(sys.argv[2])))
sys.path.insert(0, sys.argv[3])
from bench_api import Tokens
from fastg4f.api import Limits, create_app
from fastg4f.api.server import bind, uvicorn_config
app, sock = create_app([Tokens]), bind("127.0.0.1", 0)
print(sock.getsockname()[1], flush=True)
config = uvicorn_config(app, Limits(header_timeout=2), log_level="critical")
if sys.argv[1] == "plain":
    config = uvicorn.Config(app, log_level="critical")
uvicorn.Server(config).run(sockets=[sock])
"""


def limited_server(protocol: str, nofile: int = 0) -> tuple[subprocess.Popen[str], int]:
    """A server process (``plain`` uvicorn or ``ours``) serving :class:`Tokens`; its port."""
    server = subprocess.Popen(
        [sys.executable, "-c", _LIMITED_SERVER, protocol, str(nofile), str(BENCHES)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert server.stdout is not None
    return server, int(server.stdout.readline())


async def keep_alive_race(port: int, clients: int = 200, rounds: int = 10) -> int:
    """Errors among ``clients * rounds`` streams on reused connections with ~5 s pauses."""
    import random

    body = {"model": "tokens", "stream": True, "messages": [{"role": "user", "content": "5"}]}

    async def client() -> int:
        failed = 0
        limits = httpx.Limits(max_connections=1)
        url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
            for _ in range(rounds):
                try:
                    async with http.stream("POST", "/v1/chat/completions", json=body) as r:
                        failed += r.status_code != 200 or b"[DONE]" not in await r.aread()
                except httpx.HTTPError:
                    failed += 1
                await asyncio.sleep(random.uniform(4.8, 5.0))
        return failed

    return sum(await asyncio.gather(*[client() for _ in range(clients)]))


def half_open(protocol: str) -> int:
    """/health probes answered (of 20) after 300 half-open requests; ``protocol``: plain/ours."""
    import socket

    server, port = limited_server(protocol, 256)
    try:
        held = []
        for _ in range(300):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            held.append(sock)
        answered = 0
        for _ in range(20):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                    probe.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    answered += b"200 OK" in probe.recv(4096)
            except OSError:
                pass
            time.sleep(0.5)
        for sock in held:
            sock.close()
        return answered
    finally:
        server.kill()
        server.wait()


async def offline_streams(base: str, count: int) -> int:
    """Errors among ``count`` concurrent streams through the emulated ChatGptt."""
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    body = {"model": "gpt-4o-mini", "provider": "ChatGptt", "stream": True}
    body["messages"] = EMULATED_MESSAGES

    async def one(client: httpx.AsyncClient) -> bool:
        try:
            async with client.stream("POST", "/v1/chat/completions", json=body) as response:
                text = await response.aread()
                return response.status_code == 200 and b"[DONE]" in text
        except httpx.HTTPError:
            return False

    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        results = await asyncio.gather(*[one(client) for _ in range(count)])
    return results.count(False)


def hardening() -> bool:
    """Section 4; True when the figures are as they must be."""
    import threading

    import uvicorn

    from fastg4f.api import create_app
    from fastg4f.api.server import bind, uvicorn_config

    plain, ours = half_open("plain"), half_open("ours")
    print(f"300 half-open requests, ulimit -n 256: /health answered {plain}/20 (plain uvicorn),")
    print(f"  {ours}/20 (fastg4f api)")
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn_config(create_app(offline=True), log_level="critical"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    started = time.monotonic()
    errors = asyncio.run(offline_streams(f"http://127.0.0.1:{sock.getsockname()[1]}", 500))
    print(
        f"500 concurrent streams through api --offline: {errors} errors, "
        f"{time.monotonic() - started:.1f} s"
    )
    server.should_exit = True
    thread.join(30)
    races = {}
    for protocol in ("plain", "ours"):
        process, port = limited_server(protocol)
        try:
            races[protocol] = asyncio.run(keep_alive_race(port))
        finally:
            process.kill()
            process.wait()
    print(
        f"2000 streams on reused connections, ~5 s pauses: {races['plain']} errors "
        f"(keep-alive 5 s, uvicorn's default), {races['ours']} errors (75 s, fastg4f api)"
    )
    return ours > 0 and errors == 0 and races["ours"] == 0


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser(__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--hardening", action="store_true", help="run only section 4")
    args = parser.parse_args(argv)
    if args.serve:
        serve()
        return 0
    if args.hardening:
        return 0 if hardening() else 1
    label = build_label(args)
    if label is None:
        return 2
    profile = _native.build_profile
    print(f"api benchmark ({'short' if args.short else 'full'} mode, {profile} build){label}")
    count, repeats = (50, 5) if args.short else (200, 15)
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(pathlib.Path(__file__).resolve().parent.parent)},
    )
    try:
        assert server.stdout is not None and server.stdin is not None
        port = int(server.stdout.readline())
        base = f"http://127.0.0.1:{port}"
        asyncio.run(overhead(base, count, repeats))
        ok = asyncio.run(emulated(base, repeats))
        ok = asyncio.run(concurrency(base, server.pid, 20 if args.short else 50, 0.01)) and ok
        server.stdin.close()
        server.wait(20)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
