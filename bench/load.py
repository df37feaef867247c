"""Row 5: the portal under load. Real gunicorn (2 gthread workers of 8 threads, --preload, as
the Procfile runs it) on a loopback port, and a load generator: `wrk` (Debian's package;
installed when missing and we are root), else a Python one (threads, one connection per
request), which is slower than wrk itself, so its figures are a floor."""

import contextlib
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.client import HTTPConnection, HTTPException
from pathlib import Path

from .environment import BASE_DIR, VAR_DIR

WORKERS = int(os.environ.get("TUG_BENCH_WEB_WORKERS", "2"))
THREADS = int(os.environ.get("TUG_BENCH_WEB_THREADS", "8"))  # gthread workers, as the Procfile
CONNECTIONS = 4  # enough to keep both workers busy; more only queues in the listen backlog
TIMEOUT_S = 10  # a request slower than this counts as an error
READY_TIMEOUT_S = 60
HEADERS = {"Accept-Encoding": "gzip", "User-Agent": "tug-bench"}


@dataclass(frozen=True)
class LoadResult:
    url: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx answers, connection errors and timeouts
    tool: str

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


# --- gunicorn -------------------------------------------------------------------------------


class Gunicorn:
    def __init__(self, port: int, env: dict | None = None):
        self.port = port
        self.env = env or {}
        self.log_path = VAR_DIR / "gunicorn.log"
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Gunicorn":
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "tug_portal.wsgi:application",
                "--preload",
                f"--workers={WORKERS}",
                "--worker-class=gthread",
                f"--threads={THREADS}",
                f"--bind=127.0.0.1:{self.port}",
                "--log-level=warning",
            ],
            cwd=BASE_DIR,
            # WEB_CONCURRENCY: the fair-use caps' size
            env={
                **os.environ,
                "WEB_CONCURRENCY": str(WORKERS),
                "WEB_THREADS": str(THREADS),
                **self.env,
            },
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_until_ready()
        except RuntimeError:
            self.stop()  # never leave a half-started server behind
            raise
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if self._answers():
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start:\n{self.log_path.read_text()[-3000:]}")

    def _answers(self) -> bool:
        """/healthz answers 200 and both workers are up."""
        try:
            with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as response:  # noqa: S310 - our loopback URL
                return response.status == 200 and len(self.worker_pids()) == WORKERS
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        with contextlib.suppress(OSError):
            return [int(pid) for pid in children.read_text().split()]
        return []

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        self._log.close()


@contextlib.contextmanager
def gunicorn(port: int, env: dict | None = None) -> Iterator[Gunicorn]:
    server = Gunicorn(port, env).start()
    try:
        yield server
    finally:
        server.stop()


# --- wrk --------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """The path of wrk, installing Debian's package when it is missing and we are root; "" when
    it cannot be had (then the Python generator runs, and the output says so)."""
    if path := shutil.which("wrk"):
        return path
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return ""
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"]
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (install, ["apt-get", "update", "-qq"], install):
        subprocess.run(command, env=environment, capture_output=True, check=False, timeout=300)
        if path := shutil.which("wrk"):
            return path
    return ""


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS_MS[unit]


def parse_wrk(output: str, *, url: str, seconds: float) -> LoadResult:
    """Read wrk's --latency report."""
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    duration = re.search(r"requests in ([\d.]+\w+),", output).group(1)
    percentile = {
        p: _ms(value)
        for p, value in re.findall(r"^\s+(\d+)%\s+([\d.]+\w+)\s*$", output, re.MULTILINE)
    }
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    errors += int(non_2xx.group(1)) if non_2xx else 0
    return LoadResult(
        url=url,
        requests=requests,
        seconds=_ms(duration) / 1000 or seconds,
        p50_ms=percentile["50"],
        p99_ms=percentile["99"],
        errors=errors,
        tool="wrk",
    )


def run_wrk(wrk: str, url: str, seconds: float) -> LoadResult:
    headers = [arg for name, value in HEADERS.items() for arg in ("-H", f"{name}: {value}")]
    command = [
        wrk, "-t1", f"-c{CONNECTIONS}", f"-d{round(seconds)}s", f"--timeout={TIMEOUT_S}s",
        "--latency", *headers, url,
    ]  # fmt: skip
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    return parse_wrk(output, url=url, seconds=seconds)


def warm(url: str, times: int) -> None:
    """A few requests before measuring: each worker compiles templates, opens connections."""
    for _ in range(times):
        connection = HTTPConnection(*url.removeprefix("http://").split("/", 1)[0].split(":"))
        connection.request("GET", "/" + url.split("/", 3)[3], headers=HEADERS)
        connection.getresponse().read()
        connection.close()


# --- The Python fallback ----------------------------------------------------------------------


def run_python_load(url: str, seconds: float) -> LoadResult:
    """CONNECTIONS threads, each sending one request per connection until the time is up."""
    host_port, path = url.removeprefix("http://").split("/", 1)
    host, port = host_port.split(":")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client():
        while time.monotonic() < deadline:
            start = time.perf_counter()
            try:
                connection = HTTPConnection(host, int(port), timeout=TIMEOUT_S)
                connection.request("GET", "/" + path, headers=HEADERS)
                response = connection.getresponse()
                response.read()
                connection.close()
                ok = response.status < 400
            except (OSError, HTTPException):
                ok = False
            latency = time.perf_counter() - start
            with lock:
                if ok:
                    latencies.append(latency)
                else:
                    errors[0] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ordered = sorted(latencies) or [0.0]
    return LoadResult(
        url=url,
        requests=len(latencies) + errors[0],
        seconds=elapsed,
        p50_ms=statistics.median(ordered) * 1000,
        p99_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        errors=errors[0],
        tool="python",
    )


def run_load(wrk: str, url: str, seconds: float) -> LoadResult:
    return run_wrk(wrk, url, seconds) if wrk else run_python_load(url, seconds)
