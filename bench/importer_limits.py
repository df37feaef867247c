"""What reading each hostile agenda costs: `python -m bench.importer_limits [--timeout S]`.

Each shape (tests/importer/hostile.py) is read by `source_read`, as the admin's upload and the
`import_agenda` command do, in a fresh process of its own, so that the figures of one shape do
not carry over to the next. Printed per shape: wall time, the peak RSS of the calling process
(a web worker's share), the peak RSS of the processes it started (the bounded reader), and how
the read ended. A read still going after --timeout seconds is stopped and shown as such.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, resource, sys, time
import django
django.setup()
from tug_portal.importer.extract import AgendaFileError
from tug_portal.importer.sources import source_read
started = time.perf_counter()
try:
    source = source_read(sys.argv[1])
    outcome = f"read: {len(source.record.topics)} topics"
except AgendaFileError as error:
    outcome = f"refused: {error}"
except MemoryError:
    outcome = "MemoryError in the calling process"
print(json.dumps({
    "seconds": round(time.perf_counter() - started, 2),
    "caller_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    "reader_peak_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    "outcome": outcome,
}))
"""


def measure(path: Path, timeout: float) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tug_portal.settings", "TUG_EMBEDDED": "1"}
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-c", PROBE, str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return {"seconds": f">{timeout:.0f}", "outcome": "still reading: stopped"}
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        return {"seconds": round(time.perf_counter() - started, 1), "outcome": tail[0]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from tests.importer import hostile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--shapes", default=",".join(hostile.SHAPES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tug-hostile-") as folder:
        for name in args.shapes.split(","):
            path = hostile.SHAPES[name](Path(folder) / name)
            size = path.stat().st_size
            result = measure(path, args.timeout)
            print(f"{name:24} {size / 1024:8.0f} KB  " + json.dumps(result), flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
