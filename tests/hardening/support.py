"""Real processes for the fault tests: a web server (gunicorn) and a Redis server of our own."""

import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from kombu import pools as kombu_pools

from tests.support.celery_worker import wait_for
from tug_portal.celery import app as celery_app

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Answer:
    status: int
    headers: dict
    body: str


def fetch(url: str, headers: dict | None = None) -> Answer:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(response.status, dict(response.headers), response.read().decode())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read().decode())


@contextmanager
def web_process(env: dict, log_dir: Path):
    """gunicorn serving the portal with `env` on a free port; yields its base URL."""
    port = free_port()
    log = (log_dir / "gunicorn.log").open("ab")
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "tug_portal.wsgi"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60"),
        ],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(lambda: port_open(port) or process.poll() is not None, timeout=60)
        assert process.poll() is None, (log_dir / "gunicorn.log").read_text()[-3000:]
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


class RedisServer:
    """A throwaway redis-server on a free port, never the machine's shared one: stopped and
    started again by the test, with nothing saved to disk."""

    def __init__(self, work_dir: Path):
        self.port = free_port()
        self.work_dir = work_dir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.work_dir)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: port_open(self.port), timeout=30)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        wait_for(lambda: not port_open(self.port), timeout=30)


def point_this_process_at_broker(url: str) -> None:
    """Make this process's Celery app publish to `url` (Celery reads the environment variable
    before its configuration), dropping connections pooled for the previous broker."""
    os.environ["CELERY_BROKER_URL"] = url
    celery_app.conf.broker_url = url
    # kombu keeps one pool per broker in a process-wide registry: reset it, or switching back
    # would hand out the pool closed here ("Acquire on closed pool").
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
