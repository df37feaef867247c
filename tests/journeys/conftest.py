"""The portal as a developer starts it: `make run` (migrate, demo data, feeds, demo logins, then
web + Celery worker + beat) in a folder of its own, on a port the OS picked, with the site's
address left to follow PORT. The journeys drive it from outside, as a person and a mail client
would; nothing here touches the test database."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from tests.support.processes import session_processes

# Bounds on every wait: a broken server fails the test in seconds, never hangs it.
START_TIMEOUT_S = 120  # migrate + demo + feeds + logins + three processes, on 2 busy cores
STOP_TIMEOUT_S = 30
PY = sys.executable


@dataclass(frozen=True)
class Portal:
    base_url: str
    port: int
    var_dir: Path
    process: subprocess.Popen

    @property
    def mail_dir(self) -> Path:
        return self.var_dir / "mail"

    @property
    def broker_queue(self) -> Path:
        return self.var_dir / "broker" / "queue"

    def login(self, username: str) -> str:
        """The password `create_demo_logins` wrote to var/demo-logins.txt for `username`."""
        for line in (self.var_dir / "demo-logins.txt").read_text().splitlines():
            name, _, password = line.partition(" ")
            if name == username:
                return password.strip()
        raise AssertionError(f"no demo login {username!r} in {self.var_dir / 'demo-logins.txt'}")

    def logs(self) -> str:
        parts = []
        for log in [self.var_dir / "make-run.log", *sorted((self.var_dir / "log").glob("*.log"))]:
            if log.exists():
                parts.append(f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts)


def free_port() -> int:
    """A port the OS says is free, and not the default 8000 the links would fall back to."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port != 8000:
            return port


def _answers(url_host: str, port: int) -> bool:
    try:
        with socket.create_connection((url_host, port), timeout=1) as connection:
            connection.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            return connection.recv(12).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def _run_env(var_dir: Path, port: int) -> dict[str, str]:
    env = {**os.environ, "TUG_VAR_DIR": str(var_dir), "PORT": str(port)}
    # The embedded default, as on a fresh clone: no database, broker, cache or SMTP server of the
    # suite's own (CI runs the suite with them), and no site address: links must follow PORT.
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "EMAIL_HOST", "TUG_SITE_URL"):
        env.pop(name, None)
    # Not a sub-make of `make test`: its jobserver and flags are not this one's.
    for name in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(name, None)
    # An "updated" notice waits 10 minutes by default so that edits in a row make one mail; the
    # journey edits once and reads the mail at once (the setting is meant to be tuned like this).
    env["REMINDER_UPDATE_NOTICE_DELAY_SECONDS"] = "0"
    return env


@pytest.fixture
def portal(tmp_path) -> Iterator[Portal]:
    """`make run` on a free port in a fresh var folder; stopped as Ctrl-C stops it, and anything
    it left behind killed, whatever the test did."""
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    port = free_port()
    log = (var_dir / "make-run.log").open("ab")
    process = subprocess.Popen(
        # The interpreter running the tests (PY), and no install step: the environment is ready.
        ["make", "--no-print-directory", "-o", ".venv/.installed-stamp", "run", f"PY={PY}"],
        cwd=settings.BASE_DIR,
        env=_run_env(var_dir, port),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # a terminal session of its own, as `make run` in a terminal
        # Ctrl-C must reach it even where this test runs with SIGINT ignored (a background job).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    server = Portal(f"http://127.0.0.1:{port}", port, var_dir, process)
    try:
        _wait_until_up(server)
        yield server
    finally:
        _stop(server)
        log.close()


def _wait_until_up(server: Portal) -> None:
    worker_log = server.var_dir / "log" / "worker.log"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        worker_ready = worker_log.exists() and b" ready." in worker_log.read_bytes()
        if worker_ready and _answers("127.0.0.1", server.port):
            return
        if server.process.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError(f"`make run` did not come up on {server.base_url}:\n{server.logs()}")


def _stop(server: Portal) -> None:
    session = server.process.pid
    if server.process.poll() is None:
        os.killpg(session, signal.SIGINT)  # Ctrl-C: the terminal signals the foreground group
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.process.wait(timeout=STOP_TIMEOUT_S)
    # Whatever Ctrl-C left running (tests/common/test_dev_loop.py proves it leaves nothing).
    for pid in session_processes(session):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    if server.process.poll() is None:
        server.process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while session_processes(session) and time.monotonic() < deadline:
        time.sleep(0.1)
