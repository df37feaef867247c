"""A developer's own loop: `make test` while `make run` is up in the same checkout, and
stopping `make run`."""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.support.celery_worker import wait_for
from tests.support.processes import session_processes


def test_test_session_keeps_its_files_apart_from_make_run():
    run_var = settings.BASE_DIR / "var"
    own = Path(settings.VAR_DIR)

    assert own != run_var
    folders = [
        settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in"),
        settings.CACHES["default"].get("LOCATION"),
        getattr(settings, "EMAIL_FILE_PATH", None),
        settings.DATABASES["default"].get("TEST", {}).get("NAME"),
    ]
    for folder in filter(None, folders):
        if "://" in str(folder):  # PostgreSQL, Redis: not files
            continue
        assert Path(folder).is_relative_to(own), folder


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "(gone)"


def healthy(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            return connection.recv(12).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


@pytest.mark.worker
def test_ctrl_c_on_make_run_leaves_nothing_running_when_it_returns(tmp_path):
    env = {
        **os.environ,
        "TUG_VAR_DIR": str(tmp_path / "var"),
        "PORT": str(free_port()),
        "PY": sys.executable,
        "STOP_GRACE_SECONDS": "1",
    }
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"):
        env.pop(name, None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
    )
    run = subprocess.Popen(
        ["bin/run-embedded"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own terminal session, as `make run` in a terminal
        # Ctrl-C must reach it even when this test runs where SIGINT is ignored (a background job)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        worker_log = tmp_path / "var" / "log" / "worker.log"
        wait_for(lambda: worker_log.exists() and b" ready." in worker_log.read_bytes(), timeout=60)
        wait_for(lambda: healthy(int(env["PORT"])), timeout=60)
        assert len(session_processes(run.pid)) >= 4  # the script, web, worker (+ pool), beat

        os.killpg(run.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the foreground group
        run.wait(timeout=60)

        left = {pid: command_line(pid) for pid in session_processes(run.pid)}
        assert left == {}
    finally:
        for pid in session_processes(run.pid):
            os.kill(pid, signal.SIGKILL)
        run.wait(timeout=10)
