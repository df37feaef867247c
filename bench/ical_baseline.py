"""Row 3's baseline: the bare `icalendar` work for a feed, the lower bound for this library.

The feed the portal built is read back into plain Python values (strings, datetimes, numbers,
dicts of parameters) once, outside the timing. The baseline then does only what any program
writing the same calendar with `icalendar` must do: create the components, add the same
properties and serialize. Its output is compared byte for byte with the portal's, so the two
are known to be the same events.
"""

from dataclasses import dataclass

from icalendar import Calendar, Component, Event
from icalendar.prop import vCategory, vDDDTypes, vDuration, vInt, vUri

Property = tuple[str, object, dict]  # name, plain value, parameters


@dataclass(frozen=True)
class PlainCalendar:
    properties: list[Property]
    timezones: list[Component]  # VTIMEZONEs, as built (they are serialized, not rebuilt)
    events: list[list[Property]]


def _plain(value) -> object:
    if isinstance(value, vDDDTypes):
        return value.dt
    if isinstance(value, vDuration):
        return vDuration(value.td)
    if isinstance(value, vCategory):
        return [str(category) for category in value.cats]
    if isinstance(value, vInt):
        return int(value)
    if isinstance(value, vUri):
        return vUri(str(value))
    return str(value)


def _properties(component: Component) -> list[Property]:
    properties = []
    for name, value in component.items():
        for item in value if isinstance(value, list) else [value]:
            properties.append((name.lower(), _plain(item), dict(item.params)))
    return properties


def plain_calendar(content: bytes) -> PlainCalendar:
    calendar = Calendar.from_ical(content)
    return PlainCalendar(
        properties=_properties(calendar),
        timezones=list(calendar.walk("VTIMEZONE")),
        events=[_properties(event) for event in calendar.walk("VEVENT")],
    )


def _add_all(component: Component, properties: list[Property]) -> None:
    for name, value, parameters in properties:
        component.add(name, value, parameters=parameters or None)


def bare_build(plain: PlainCalendar) -> bytes:
    calendar = Calendar()
    _add_all(calendar, plain.properties)
    for timezone in plain.timezones:
        calendar.add_component(timezone)
    for properties in plain.events:
        event = Event()
        _add_all(event, properties)
        calendar.add_component(event)
    return calendar.to_ical()
