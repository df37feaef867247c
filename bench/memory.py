"""Row 6: peak memory. The ten-year feed is built in a child process of its own (so nothing
else this run did counts), which reports its resident size once ready to build (the baseline)
and its peak after the build. Run as `python -m bench.memory` in the bench's environment."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from .environment import BASE_DIR


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (the peak) of a process, in kB, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    return {
        name: int(re.search(rf"^{name}:\s+(\d+) kB", status, re.MULTILINE).group(1))
        for name in ("VmRSS", "VmHWM")
    }


def feed_build_memory() -> dict:
    """Start the child, return what it reports: idle_kb, peak_kb, events."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.memory"],
        cwd=BASE_DIR,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the feed-building process failed:\n{completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _child() -> None:
    import django

    django.setup()
    from tug_portal.calendars.feed_specs import FeedSpec
    from tug_portal.calendars.services import feed_build

    idle = memory_kb(os.getpid())["VmRSS"]
    feed = feed_build(spec=FeedSpec(full_history=True))
    # VmHWM, not getrusage's ru_maxrss: on Linux that one carries over the parent's peak through
    # fork and exec, so it would report the bench process's size, not this one's.
    peak = memory_kb(os.getpid())["VmHWM"]
    print(json.dumps({"idle_kb": idle, "peak_kb": peak, "events": feed.event_count}))


if __name__ == "__main__":
    _child()
