"""The child process that reads one agenda file: ``python -m tug_portal.importer.reader``.

`bounded.read_bounded` starts it; it reads the file's path and limits (JSON) on stdin, lowers
its own limits before it touches the file, and writes the outcome, pickled, on stdout:
("record", AgendaRecord), ("refused", message), ("memory", "") or ("error", traceback).
It imports no Django: only the readers (`extract`) and the parser.
"""

import json
import math
import pickle
import resource
import sys
import traceback

from tug_portal.importer.extract import AgendaFileError, ReadLimits, read_agenda


def main() -> None:
    request = json.load(sys.stdin)
    _confine(request["memory_bytes"], request["seconds"])
    try:
        outcome = ("record", read_agenda(request["path"], limits=ReadLimits(**request["read"])))
    except AgendaFileError as error:
        outcome = ("refused", str(error))
    except MemoryError:
        outcome = ("memory", "")
    except Exception:  # a reader's bug: the caller logs it and refuses the file
        outcome = ("error", traceback.format_exc())
    try:
        data = pickle.dumps(outcome)
    except MemoryError:
        data = pickle.dumps(("memory", ""))
    sys.stdout.buffer.write(data)
    sys.stdout.flush()


def _confine(memory_bytes: int, seconds: float) -> None:
    """Address space: what the process maps now (the interpreter, the readers' libraries) plus
    the budget, so that a file needing more fails here with MemoryError. CPU time: a second
    over the caller's wall-clock limit (SIGXCPU), should the caller be gone."""
    address_space = _address_space() + memory_bytes
    _lower(resource.RLIMIT_AS, address_space, address_space)
    cpu = math.ceil(seconds) + 1
    _lower(resource.RLIMIT_CPU, cpu, cpu + 1)


def _lower(kind: int, soft: int, hard: int) -> None:
    """Lower a limit (never above what the process was given: that would be refused)."""
    _, given = resource.getrlimit(kind)
    if given != resource.RLIM_INFINITY:
        soft, hard = min(soft, given), min(hard, given)
    resource.setrlimit(kind, (soft, hard))


def _address_space() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


if __name__ == "__main__":
    main()
