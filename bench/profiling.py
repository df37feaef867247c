"""`--profile`: where the time of a missed target goes. After such a row is measured, its action
runs again (untimed) under pyinstrument, and the profile is written to
var/bench/profiles/<row>.txt, for the owner of that part of the portal. (Text only: pyinstrument's
HTML renderer took over 5 GB and minutes for one page's profile of the ten-year dataset.)"""

from collections.abc import Callable
from pathlib import Path

from .environment import BASE_DIR, VAR_DIR

PROFILES = VAR_DIR / "profiles"


def write_profile(key: str, action: Callable[[], object], *, times: int) -> Path:
    """Run `action` `times` times under the profiler; returns the text profile's path."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    with profiler:
        for _ in range(times):
            action()
    PROFILES.mkdir(parents=True, exist_ok=True)
    text = PROFILES / f"{key}.txt"
    text.write_text(
        profiler.output_text(unicode=True, color=False)
        + "\nFunctions by their own time (library frames included: the tree above hides them):\n\n"
        + _flat_listing(profiler, lines=60)
    )
    return text.relative_to(BASE_DIR)


def _flat_listing(profiler, *, lines: int) -> str:
    from pyinstrument.renderers import ConsoleRenderer

    renderer = ConsoleRenderer(unicode=True, color=False, flat=True, flat_time="self")
    return "\n".join(profiler.output(renderer).splitlines()[: lines + 8]) + "\n"
