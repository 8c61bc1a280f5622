"""A small, bounded HTTP load generator: a few threads, one keep-alive connection each,
a fixed number of requests, a time limit, and only ever 127.0.0.1."""
from __future__ import annotations

import http.client
import json
import re
import statistics
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench.scenarios import Context, Scenario

HOST = "127.0.0.1"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


class Client:
    """One connection to the app under test, with a cookie jar and an optional bearer token."""

    def __init__(self, port: int, timeout: float = 30):
        self.conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        self.cookies: dict[str, str] = {}
        self.token: str | None = None
        self.csrf: str | None = None

    def request(self, method: str, path: str, body=None, form: dict | None = None):
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if form is not None:
            data = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.csrf and method not in ("GET", "HEAD"):
            headers["X-CSRFToken"] = self.csrf
        try:
            self.conn.request(method, path, body=data, headers=headers)
        except ConnectionError:  # closed by the server before it read this request: send it again
            self.conn.close()
            self.conn.request(method, path, body=data, headers=headers)
        try:
            resp = self.conn.getresponse()
        except (http.client.HTTPException, ConnectionError):
            if method not in ("GET", "HEAD"):
                raise  # never send a write twice
            self.conn.close()  # the server closed a kept-alive connection: reconnect once
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
        payload = resp.read()
        for name, value in resp.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return resp.status, payload

    def login(self, username: str, password: str) -> None:
        """Log in through the HTML form like a browser: GET the page for the CSRF token, POST it."""
        status, page = self.request("GET", "/login")
        match = CSRF_RE.search(page.decode())
        if status != 200 or not match:
            raise RuntimeError(f"login page: HTTP {status}, csrf token {'found' if match else 'missing'}")
        self.csrf = match.group(1) or match.group(2)
        status, _ = self.request("POST", "/login", form={"csrf_token": self.csrf, "username": username, "password": password})
        if status != 302:
            raise RuntimeError(f"login of {username} failed: HTTP {status}")

    def close(self):
        self.conn.close()


def authenticated_client(port: int, ctx: Context, auth: str | None, n: int) -> Client:
    client = Client(port)
    if auth:
        kind, _, role = auth.partition(":")
        user = ctx.user(role, n)
        if kind == "token":
            client.token = user["token"]
        elif kind == "session":
            client.login(user["username"], ctx.credentials["password"])
        else:
            raise ValueError(f"unknown auth {auth!r}")
    return client


@dataclass
class Result:
    scenario: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    first_error: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[int(p) - 1]

    def as_dict(self) -> dict:
        return {"scenario": self.scenario, "requests": self.requests, "errors": self.errors,
                "seconds": round(self.seconds, 3), "rps": round(self.rps, 1),
                "p50_ms": round(self.percentile(50), 2), "p90_ms": round(self.percentile(90), 2),
                "p99_ms": round(self.percentile(99), 2),
                "max_ms": round(max(self.latencies_ms), 2) if self.latencies_ms else 0.0,
                "first_error": self.first_error}


class _Requests:
    """The requests of one connection: ``(method, path, body, token, expect)`` for request ``i``,
    then ``answer(status, payload)``. A plain scenario repeats its request; a flow scenario
    asks its generator for the next step, sending it the previous answer."""

    def __init__(self, ctx: Context, s: Scenario, n: int, client: Client):
        self.ctx, self.s, self.client = ctx, s, client
        self.flow = s.flow(ctx, n) if s.flow is not None else None
        self.last = None
        self.started = False

    def next(self, i: int):
        s = self.s
        if self.flow is None:
            return s.method, s.path_for(self.ctx, i), s.body_for(self.ctx, i), self.client.token, s.expect
        step = self.flow.send(self.last) if self.started else next(self.flow)
        self.started = True
        return step.method, step.path, step.body, step.token, step.expect

    def answer(self, status: int, payload: bytes) -> None:
        self.last = (status, payload)


def run_scenario(port: int, ctx: Context, s: Scenario, *, requests: int, seconds: float,
                 concurrency: int, warmup: int) -> Result:
    """``requests`` requests (or fewer if ``seconds`` run out) over ``concurrency`` connections."""
    requests = s.requests or requests
    seconds = s.seconds or seconds
    clients = [authenticated_client(port, ctx, s.auth, n) for n in range(concurrency)]
    streams = [_Requests(ctx, s, n, c) for n, c in enumerate(clients)]
    result = Result(s.name)
    lock = threading.Lock()
    counter = iter(range(10**12))

    def send(stream: _Requests, i: int):
        method, path, body, token, expect = stream.next(i)
        stream.client.token = token
        t0 = time.perf_counter()
        status, payload = stream.client.request(method, path, body)
        elapsed = (time.perf_counter() - t0) * 1000
        stream.answer(status, payload)
        error = "" if status in expect else f"{method} {path}: HTTP {status} {payload[:200]!r}"
        return elapsed, error

    for stream in streams:  # warm the connection, the worker's caches and the database's
        for _ in range(warmup * (8 if s.flow is not None else 1)):
            send(stream, 0)
    start_gate = threading.Barrier(concurrency + 1)
    deadline = [0.0]

    def worker(stream: _Requests):
        local: list[float] = []
        errors, first_error = 0, ""
        start_gate.wait()
        while True:
            with lock:
                i = next(counter)
            if i >= requests or time.perf_counter() > deadline[0]:
                break
            try:
                elapsed, error = send(stream, i)
            except (http.client.HTTPException, OSError) as e:  # counted, and the connection made anew
                stream.client.conn.close()
                stream.answer(0, b"")
                errors += 1
                first_error = first_error or f"{type(e).__name__}: {e}"
                continue
            local.append(elapsed)
            if error:
                errors += 1
                first_error = first_error or error
        with lock:
            result.latencies_ms.extend(local)
            result.errors += errors
            result.first_error = result.first_error or first_error

    threads = [threading.Thread(target=worker, args=(st,), daemon=True) for st in streams]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + seconds
    t0 = time.perf_counter()
    start_gate.wait()
    for t in threads:
        t.join(seconds + 60)
    result.seconds = time.perf_counter() - t0
    result.requests = len(result.latencies_ms)
    for c in clients:
        c.close()
    return result
