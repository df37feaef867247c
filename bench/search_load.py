"""The search flood: search as a weapon. Real gunicorn (as in the load run, load.py) on a
loopback port, with the fair-use budgets on, as deployed; eight clients, each a process of its
own, loop varied anonymous searches (one connection per request, no pause, as a flooding script
would) while a ninth fetches the cached home page, as a visitor does, and records its latency.
The ninth first measures the idle home page for a third as long.

Addresses, as a trusted reverse proxy reports them: gunicorn is reached from 127.0.0.1, a
trusted proxy by default (`TUG_TRUSTED_PROXIES`), so the portal knows each client by the
`X-Forwarded-For` it sends, the way it knows real clients behind nginx. Each flooding client is
one address of its own (TEST-NET-3); it never honours `Retry-After`: a 429 or a 503 is asked
again at once, as a hostile script would. The ninth client stands for the many visitors of the
home page, each at an address of its own (TEST-NET-2, in turn): one address viewing the home page
50 times a second is itself a flood, and the budgets would rightly refuse it.

The searches are varied on purpose: words of the dataset's agendas (systems, subjects, names,
verbs; whole words and prefixes, one to three of them), time spans, programs and pages, so that
nearly every one misses the page cache and runs; a share are the weapon itself (eight bare
digits, one- and two-letter words), which now search nothing, and a share match nothing at all.
"""

import multiprocessing
import os
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPException
from urllib.parse import urlencode

CLIENTS = 8
TIMEOUT_S = 30  # a client gives up on a request after this (counted, with status 0)
VISITOR_PAUSE_S = 0.02  # between the ninth client's page views: a visitor, not more load
HEADERS = {"Accept-Encoding": "gzip", "User-Agent": "tug-bench", "Accept": "text/html"}
FLOODER_NICENESS = int(os.environ.get("TUG_BENCH_FLOODER_NICENESS", "19"))  # 0: no lower
VISITOR_ADDRESSES = 64  # how many visitors the ninth client stands for (198.51.100.1-64)


def flooder_address(n: int) -> str:
    return f"203.0.113.{n + 1}"


def visitor_address(n: int) -> str:
    return f"198.51.100.{n % VISITOR_ADDRESSES + 1}"


WORDS = [
    # systems, subjects and names of the bench dataset's agendas
    "drrs", "oms", "cmri", "sibr", "oasis", "rims", "outage", "management", "demand",
    "response", "registration", "settlements", "interconnection", "acceptable", "policy",
    "release", "deprecation", "interface", "certificate", "renewal", "market", "simulation",
    "results", "performance", "improvements", "reporting", "guidelines", "services", "roadmap",
    "review", "questions", "implement", "retire", "upgrade", "pilot", "migrate", "retrieval",
    "granularity", "derates", "download", "authority", "nalini", "chari", "priya", "garcia",
    "ivanova", "novak", "agenda", "roll", "call", "technology", "customer", "partnership",
]  # fmt: skip
WEAPONS = ["1 2 3 4 5 6 7 8", "a b c d e f g h", "of to in on at by", "2018 2019 2020"]


def search_paths(seed: int, count: int) -> list[str]:
    """`count` dashboard and program search URLs, varied (see the module's docstring)."""
    rng = random.Random(seed)
    paths = []
    for _ in range(count):
        kind = rng.random()
        if kind < 0.1:
            text = rng.choice(WEAPONS)
        elif kind < 0.2:  # a word no agenda holds
            text = "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(rng.randint(4, 9)))
        else:
            words = rng.sample(WORDS, rng.randint(1, 3))
            text = " ".join(w[: rng.randint(3, len(w))] if len(w) > 3 else w for w in words)
        query = {"q": text, "when": rng.choice(["all", "all", "past", "upcoming"])}
        if rng.random() < 0.3:
            query["page"] = rng.randint(2, 3)
        path = rng.choice(["/", "/", "/", "/programs/tug/", "/programs/cpg/"])
        paths.append(f"{path}?{urlencode(query)}")
    return paths


def _get(host: str, port: int, path: str, address: str) -> int:
    connection = HTTPConnection(host, port, timeout=TIMEOUT_S)
    try:
        connection.request("GET", path, headers={**HEADERS, "X-Forwarded-For": address})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _timed(host: str, port: int, path: str, address: str) -> tuple[float, int]:
    start = time.perf_counter()
    try:
        status = _get(host, port, path, address)
    except (OSError, HTTPException):
        status = 0
    return time.perf_counter() - start, status


def _searcher(host, port, paths, address, deadline, out) -> None:
    # The flooders' own CPU stands for other machines' (a real attacker's loop does not run on
    # the portal's cores): they run at the lowest priority, so that what they take from the
    # portal is what they make it do. They still ask as fast as they can.
    os.nice(FLOODER_NICENESS)
    latencies, statuses = [], Counter()
    n = 0
    while time.monotonic() < deadline:  # no pause, whatever the answer (Retry-After ignored)
        seconds, status = _timed(host, port, paths[n % len(paths)], address)
        n += 1
        latencies.append(seconds)
        statuses[status] += 1
    out.put(("search", latencies, dict(statuses)))


def _visitor(host, port, deadline, out) -> None:
    latencies, statuses = [], Counter()
    n = 0
    while time.monotonic() < deadline:
        seconds, status = _timed(host, port, "/", visitor_address(n))
        n += 1
        latencies.append(seconds)
        statuses[status] += 1
        time.sleep(VISITOR_PAUSE_S)
    out.put(("home", latencies, dict(statuses)))


def p99(values: list[float]) -> float:
    ordered = sorted(values) or [0.0]
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)

    def add(self, latencies, statuses) -> None:
        self.latencies += latencies
        self.statuses.update(statuses)

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies or [0.0]) * 1000

    @property
    def p99_ms(self) -> float:
        return p99(self.latencies) * 1000

    @property
    def max_ms(self) -> float:
        return max(self.latencies or [0.0]) * 1000


@dataclass
class SearchFloodResult:
    idle_home: Phase
    loaded_home: Phase
    searches: Phase
    seconds: float
    clients: int


def _run(processes, out) -> list[tuple]:
    for process in processes:
        process.start()
    results = [out.get() for _ in processes]  # before join: a full pipe would block the child
    for process in processes:
        process.join()
    return results


def measure(
    base_url: str, *, seconds: float, idle_seconds: float, clients: int = CLIENTS
) -> SearchFloodResult:
    """The idle home page for `idle_seconds`, then the home page for `seconds` while `clients`
    flood searches."""
    host, port = base_url.removeprefix("http://").split(":")
    port = int(port)
    # fork: the children only speak HTTP; they never touch this process's database connection.
    context = multiprocessing.get_context("fork")
    for _ in range(3):
        _get(host, port, "/", visitor_address(0))  # the home page in the page cache
    out = context.Queue()
    idle = Phase()
    deadline = time.monotonic() + idle_seconds
    for _, latencies, statuses in _run(
        [context.Process(target=_visitor, args=(host, port, deadline, out))], out
    ):
        idle.add(latencies, statuses)
    loaded, searches = Phase(), Phase()
    started = time.monotonic()
    deadline = started + seconds
    processes = [context.Process(target=_visitor, args=(host, port, deadline, out))] + [
        context.Process(
            target=_searcher,
            args=(host, port, search_paths(seed, 2000), flooder_address(seed), deadline, out),
        )
        for seed in range(clients)
    ]
    for kind, latencies, statuses in _run(processes, out):
        (loaded if kind == "home" else searches).add(latencies, statuses)
    return SearchFloodResult(
        idle_home=idle,
        loaded_home=loaded,
        searches=searches,
        seconds=time.monotonic() - started,
        clients=clients,
    )
