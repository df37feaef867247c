"""The stakeholder pages' forms: list filters (GET, shareable URLs) and the agenda request."""

from collections.abc import Callable

from django import forms

from tug_portal.common.mailboxes import MailboxField
from tug_portal.meetings.models import Announcement
from tug_portal.meetings.search import When, has_no_usable_terms
from tug_portal.meetings.selectors import program_slug_spelled, system_code_spelled

from .form_renderer import plain_widget_renderer


class OwnSpellingChoiceField(forms.ChoiceField):
    """A choice named in any case, by the selectors' rule for its kind (`spelled`): cleaned to
    the chosen one's own spelling, and shown with it chosen; a value naming none is an error.
    `items`: what to choose from, set by the form."""

    items: tuple = ()
    spelled: Callable[[str, tuple], str]  # the rule, a staticmethod of each kind's field

    def own_spelling(self, value):
        """`value` as the item it names spells it; as it is when it names none."""
        return self.spelled(value, self.items) if isinstance(value, str) else value

    def to_python(self, value):
        return self.own_spelling(super().to_python(value))

    def bound_data(self, data, initial):
        return self.own_spelling(super().bound_data(data, initial))


class SystemChoiceField(OwnSpellingChoiceField):
    """A system, by its code as the feeds take it: in any case (`system_code_spelled`, the
    system-code rule)."""

    spelled = staticmethod(system_code_spelled)

    def set_systems(self, systems) -> None:
        self.items = tuple(systems)
        self.choices = [("", "All systems")] + [
            (system.code, f"{system.code} – {system.name}") for system in self.items
        ]


class ProgramChoiceField(OwnSpellingChoiceField):
    """A program, by its slug in any case (`program_slug_spelled`, the program-slug rule)."""

    spelled = staticmethod(program_slug_spelled)

    def set_programs(self, programs) -> None:
        self.items = tuple(programs)
        self.choices = [("", "All programs")] + [
            (program.slug, f"{program.acronym} – {program.name}") for program in self.items
        ]


class ListFilterForm(forms.Form):
    """What every list shares: free text, a system and the page. Unknown values are errors (a
    400 with the reason), never silently ignored. Their widgets are written in Python, as
    Django's templates write them (form_renderer.py: they are on every list page)."""

    default_renderer = plain_widget_renderer

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.SearchInput(attrs={"autocomplete": "off", "enterkeyhint": "search"}),
    )
    system = SystemChoiceField(label="System", required=False)
    page = forms.IntegerField(min_value=1, required=False)

    def __init__(self, *args, systems=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].set_systems(systems)
        self.fields["system"].error_messages["invalid_choice"] = "There is no system “%(value)s”."

    @property
    def page_number(self) -> int:
        return self.cleaned_data.get("page") or 1

    @property
    def search_needs_more_letters(self) -> bool:
        """Text was typed but holds no word a search uses (all short, or numbers): the list is
        empty and the page asks for more letters."""
        return self.is_valid() and has_no_usable_terms(self.cleaned_data["q"])

    @property
    def is_filtered(self) -> bool:
        """Narrowed by anything but the page and the time span (which always has a value)."""
        return any(self.cleaned_data.get(name) for name in self.fields.keys() - {"page", "when"})


def add_program_field(form: forms.Form, programs) -> None:
    form.fields["program"] = ProgramChoiceField(
        label="Program",
        required=False,
        error_messages={"invalid_choice": "There is no program “%(value)s”."},
    )
    form.fields["program"].set_programs(programs)


class MeetingFilterForm(ListFilterForm):
    """Meetings: the list filters plus upcoming/past/all, and a program unless the page is one
    program's (pass `programs=None` there)."""

    when = forms.ChoiceField(
        label="When",
        required=False,
        choices=When.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "“When” is upcoming, past or all, not “%(value)s”."},
    )

    def __init__(self, data=None, *, programs=None, **kwargs):
        if data is not None and not data.get("when"):
            # Shown (the radio button checked) and applied: upcoming unless asked otherwise.
            data = data.copy()
            data["when"] = When.UPCOMING
        super().__init__(data, **kwargs)
        if programs is not None:
            add_program_field(self, programs)

    def search_arguments(self) -> dict:
        data = self.cleaned_data
        arguments = {"text": data["q"], "system_code": data["system"], "when": data["when"]}
        if "program" in self.fields:
            arguments["program_slug"] = data["program"]
        return arguments


class AnnouncementFilterForm(ListFilterForm):
    kind = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[("", "All kinds"), *Announcement.Kind.choices],
        error_messages={"invalid_choice": "There is no kind of announcement “%(value)s”."},
    )

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        add_program_field(self, programs)

    def search_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "text": data["q"],
            "system_code": data["system"],
            "kind": data["kind"],
            "program_slug": data["program"],
        }


class AgendaRequestForm(forms.Form):
    name = forms.CharField(
        label="Your name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = MailboxField(label="Email", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    organization = forms.CharField(
        label="Organization",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    topic = forms.CharField(label="Topic you would like on the agenda", max_length=300)
    details = forms.CharField(
        label="Details",
        required=False,
        max_length=5000,
        help_text="Optional: background, the systems concerned, who would present.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # Honeypot: hidden from people by the stylesheet and from assistive technology by
    # aria-hidden; form-filling bots fill it in. A filled one is thanked and dropped.
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    @property
    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))

    def submit_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            key: data[key].strip() for key in ("name", "email", "organization", "topic", "details")
        }
