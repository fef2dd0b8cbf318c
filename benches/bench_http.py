"""HTTP layer overhead: fastg4f.requests vs the raw transport libraries, on a local server.

Measures the median time of (a) a keep-alive GET of a small JSON body and (b) streaming a
chunked body of many lines with ``iter_lines``, through ``fastg4f.requests.Session`` and
through curl_cffi / httpx used directly, in the same run. The ratio is ours / raw (1.00 means
no overhead). ``--short`` runs few repetitions (CI).
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import fastg4f._native as native
from fastg4f.requests import Session

LINES = 2000


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One write per answer and no Nagle delay, so the numbers measure the clients.
    wbufsize = 1 << 16
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/small":
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        line = b"data: " + b"x" * 40 + b"\n"
        for _ in range(LINES // 50):
            chunk = line * 50
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True


def _median(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm up (connection, imports)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true", help="few repetitions (CI)")
    args = parser.parse_args()
    repeat = 15 if args.short else 200

    server = _Server(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    import curl_cffi.requests as curl
    import httpx

    raw_curl = curl.Session(impersonate="chrome")
    raw_httpx = httpx.Client()
    ours = {name: Session(backend=name) for name in ("curl_cffi", "httpx")}

    def raw_small(name: str) -> Callable[[], object]:
        if name == "curl_cffi":
            return lambda: raw_curl.get(base + "/small").json()
        return lambda: raw_httpx.get(base + "/small").json()

    def raw_stream(name: str) -> Callable[[], object]:
        if name == "curl_cffi":

            def run_curl() -> int:
                r = raw_curl.get(base + "/stream", stream=True)
                n = sum(1 for _ in r.iter_lines())
                r.close()
                return n

            return run_curl

        def run_httpx() -> int:
            with raw_httpx.stream("GET", base + "/stream") as r:
                return sum(1 for _ in r.iter_lines())

        return run_httpx

    def our_small(name: str) -> Callable[[], object]:
        return lambda: ours[name].get(base + "/small").json()

    def our_stream(name: str) -> Callable[[], object]:
        def run() -> int:
            with ours[name].get(base + "/stream") as r:
                return sum(1 for _ in r.iter_lines())

        return run

    profile = native.build_profile
    print(f"fastg4f.requests overhead (native build: {profile}; this bench is pure Python)")
    print(f"{'case':<28}{'raw (ms)':>10}{'fastg4f (ms)':>14}{'ratio':>8}")
    for name in ("curl_cffi", "httpx"):
        for label, raw_fn, our_fn in (
            ("GET small JSON", raw_small(name), our_small(name)),
            (f"stream {LINES} lines", raw_stream(name), our_stream(name)),
        ):
            raw_t = _median(raw_fn, repeat)
            our_t = _median(our_fn, repeat)
            case = f"{name}: {label}"
            print(f"{case:<28}{raw_t * 1e3:>10.3f}{our_t * 1e3:>14.3f}{our_t / raw_t:>8.2f}")

    for s in ours.values():
        s.close()
    raw_curl.close()
    raw_httpx.close()
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    main()
