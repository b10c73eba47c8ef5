"""A small HTTP load client: keep-alive connections (http.client), a cookie jar, latency and throughput.

Kept dependency-free on purpose: the numbers should measure the server, not a client library.
"""

from __future__ import annotations

import html
import http.client
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode


class HTTPError(Exception):
    pass


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Client:
    """One keep-alive connection; not thread-safe (give every thread its own)."""

    host: str
    port: int
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 60.0
    _conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Response:
        all_headers = {**self.headers, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):  # the server may close an idle keep-alive connection: reconnect once
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=all_headers)
                raw = conn.getresponse()
                data = raw.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest):
                self.close()
                if attempt == 2:
                    raise
                continue
            response = Response(raw.status, raw.getheaders(), data)
            for name, value in response.headers:
                if name.lower() == "set-cookie":
                    for morsel in SimpleCookie(value).values():
                        if morsel.value == "" or morsel["max-age"] == "0":
                            self.cookies.pop(morsel.key, None)
                        else:
                            self.cookies[morsel.key] = morsel.value
            if raw.getheader("Connection", "").lower() == "close":
                self.close()
            return response
        raise AssertionError("unreachable")

    def get(self, path: str, params: dict | None = None, **kw) -> Response:
        return self.request("GET", path + ("?" + urlencode(params, doseq=True) if params else ""), **kw)

    def post_json(self, path: str, payload) -> Response:
        return self.request("POST", path, json.dumps(payload).encode(), {"Content-Type": "application/json"})

    def post_form(self, path: str, data: dict) -> Response:
        return self.request("POST", path, urlencode(data).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def login(client: Client, email: str, password: str) -> None:
    """Sign in through the real login form (CSRF on): fetch the form, post it with its token."""
    page = client.get("/auth/login")
    match = _CSRF.search(page.text)
    if page.status != 200 or not match:
        raise HTTPError(f"login page: HTTP {page.status}, csrf_token field found: {bool(match)}")
    token = html.unescape(match.group(1) or match.group(2))
    response = client.post_form("/auth/login", {"email": email, "password": password, "csrf_token": token,
                                                "next": ""})
    if response.status not in (302, 303):
        raise HTTPError(f"login failed: HTTP {response.status}: {response.text[:300]}")


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class Latency:
    samples_ms: list[float]
    errors: int
    first_error: str | None = None
    #: requests sent, warm-up included
    attempted: int = 0

    @property
    def p50(self) -> float:
        return percentile(self.samples_ms, 50) if self.samples_ms else float("nan")

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 95) if self.samples_ms else float("nan")

    def as_dict(self) -> dict:
        return {"p50_ms": round(self.p50, 2), "p95_ms": round(self.p95, 2), "requests": len(self.samples_ms),
                "errors": self.errors, "first_error": self.first_error,
                "mean_ms": round(sum(self.samples_ms) / len(self.samples_ms), 2) if self.samples_ms else None}


def measure_latency(client: Client, path: str, params: dict | None, requests: int, warmup: int = 5,
                    check: Callable[[Response], str | None] | None = None, budget_s: float = 1e9) -> Latency:
    """Sequential requests on one keep-alive connection: latency without queueing. Stops early (with
    fewer samples) once ``budget_s`` seconds are spent, so a pathological query cannot stall the run."""
    samples, errors, first_error = [], 0, None
    deadline = time.perf_counter() + budget_s
    attempted = 0
    for i in range(warmup + requests):
        if i >= min(warmup, 2) and time.perf_counter() > deadline and len(samples) >= 5:
            break
        attempted += 1
        t0 = time.perf_counter()
        response = client.get(path, params)
        elapsed = (time.perf_counter() - t0) * 1000
        problem = f"HTTP {response.status}: {response.text[:200]}" if response.status != 200 else (
            check(response) if check else None)
        if problem:
            errors += 1
            first_error = first_error or problem
        elif i >= warmup:
            samples.append(elapsed)
    return Latency(samples, errors, first_error, attempted)


@dataclass
class Throughput:
    requests: int
    seconds: float
    errors: int
    latencies_ms: list[float]
    first_error: str | None = None
    #: requests sent, warm-up included
    attempted: int = 0

    @property
    def per_second(self) -> float:
        return (self.requests - self.errors) / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {"requests": self.requests, "errors": self.errors, "seconds": round(self.seconds, 2),
                "per_second": round(self.per_second, 1), "first_error": self.first_error,
                "p50_ms": round(percentile(self.latencies_ms, 50), 2) if self.latencies_ms else None,
                "p95_ms": round(percentile(self.latencies_ms, 95), 2) if self.latencies_ms else None}


def measure_throughput(make_client: Callable[[], Client], path: str, payload: Callable[[int], dict],
                       requests: int, concurrency: int, expect: int = 201, warmup: int = 20) -> Throughput:
    """``requests`` POSTs of JSON, shared out over ``concurrency`` threads with one connection each."""
    clients = [make_client() for _ in range(concurrency)]
    for i in range(warmup):  # open connections, warm caches; not counted
        clients[i % concurrency].post_json(path, payload(-1 - i))
    counter, lock, stop = iter(range(requests)), threading.Lock(), threading.Event()
    latencies: list[float] = []
    errors: list[str] = []

    def worker(client: Client) -> None:
        while not stop.is_set():
            with lock:
                i = next(counter, None)
            if i is None:
                return
            t0 = time.perf_counter()
            try:
                response = client.post_json(path, payload(i))
                ok = response.status == expect
                problem = None if ok else f"HTTP {response.status}: {response.text[:200]}"
            except OSError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                if problem:
                    errors.append(problem)
                else:
                    latencies.append(elapsed)

    threads = [threading.Thread(target=worker, args=(c,), daemon=True) for c in clients]
    started = time.perf_counter()
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join()
    finally:  # interrupted: let the workers stop instead of hammering a server being shut down
        stop.set()
    seconds = time.perf_counter() - started
    for c in clients:
        c.close()
    return Throughput(requests, seconds, len(errors), latencies, errors[0] if errors else None,
                      attempted=requests + warmup)
