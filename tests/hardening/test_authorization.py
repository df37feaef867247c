"""Who may do what: every URL of the portal and every method, for five roles, each answer
asserted.

Roles: an anonymous visitor; a subscriber, who holds the signed links of their own mails (and
nothing else: a session-less visitor otherwise); ISO staff (is_staff + the "ISO staff" group);
an ISO viewer (is_staff + the "ISO viewer" group: view permissions only); a superuser. The
public URLs are listed below with one expected status per role; the admin's
URLs are derived for every registered model from what each role may do with it (ADMIN_RIGHTS).
`test_matrix_covers_every_url` fails when a URL is added without an entry here.
"""

from dataclasses import dataclass, field
from datetime import date

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.test import Client
from django.urls import URLResolver, get_resolver
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import make_subscription
from tug_portal.calendars.feed_specs import FeedSpec
from tug_portal.calendars.services import feed_build
from tug_portal.common import budgets
from tug_portal.common.services import heartbeat_record
from tug_portal.common.staff import ensure_iso_staff_group, ensure_iso_viewer_group
from tug_portal.digest import tokens as digest_tokens
from tug_portal.digest.models import Digest, DigestPreference
from tug_portal.materials import tokens as materials_tokens
from tug_portal.meetings.demo import load_demo
from tug_portal.meetings.models import (
    AgendaRequest,
    Announcement,
    Document,
    Meeting,
    Person,
    Program,
    System,
)
from tug_portal.meetings.services import meeting_create
from tug_portal.reminders import tokens
from tug_portal.reminders.models import Delivery, Subscription

ROLES = ("anonymous", "subscriber", "iso_staff", "iso_viewer", "superuser")
TABLE_ROLES = ("anonymous", "subscriber", "iso_staff", "superuser")  # the tables' columns
FORGED = "1:forged-signature"

# --- Public URLs --------------------------------------------------------------------------------
# (URL name, path, method) -> answers for (anonymous, subscriber, iso_staff, superuser); an ISO
# viewer is answered as ISO staff (VIEWER_DIFFERS lists where not).
# {draft} is an unpublished meeting, (token:...) a subscriber's signed link (forged for the
# roles that do not hold it). POSTs carry no data: a form answers with its errors.
ANY = (200, 200, 200, 200)
GONE = (404, 404, 404, 404)
NOT_ALLOWED = (405, 405, 405, 405)
DRAFT = (404, 404, 200, 200)  # drafts: invisible to the public, not even a 403
STAFF_ONLY = (302, 302, 200, 200)  # to the login page


def answers(*, get, head, post=NOT_ALLOWED) -> dict:
    return {"GET": get, "HEAD": head, "POST": post, "PUT": NOT_ALLOWED, "DELETE": NOT_ALLOWED}


def read_only(get=ANY, head=None) -> dict:
    return answers(get=get, head=get if head is None else head)


def any_method(answers=ANY) -> dict:
    return dict.fromkeys(("GET", "HEAD", "POST", "PUT", "DELETE"), answers)


def link_page(get, post) -> dict:
    """A page reached by a signed link from a mail: GET (and HEAD, which mail scanners send)
    shows, POST acts."""
    return answers(get=get, head=get, post=post)


def api(get=ANY) -> dict:
    """django-ninja answers GET only (HEAD too is 405)."""
    return read_only(get, head=NOT_ALLOWED)


PUBLIC = {
    ("healthz", "/healthz"): any_method(),
    ("readyz", "/readyz"): any_method(),
    ("web:dashboard", "/"): read_only(),
    ("web:program_detail", "/programs/tug/"): read_only(),
    ("web:program_detail", "/programs/nope/"): read_only(GONE),
    ("web:meeting_detail", "/meetings/tug-2018-10-16/"): read_only(),
    ("web:meeting_detail", "/meetings/{draft}/"): read_only(DRAFT),
    ("web:agenda_request", "/programs/tug/agenda-request/"): {
        **read_only(),
        "POST": (422, 422, 422, 422),  # the agenda request form, empty
    },
    ("web:agenda_request", "/programs/nope/agenda-request/"): {**read_only(GONE), "POST": GONE},
    ("web:agenda_request", "/programs/tug/agenda-request/?meeting=tug-2018-10-16"): {
        **read_only(),
        "POST": (422, 422, 422, 422),
    },
    ("web:agenda_request", "/programs/tug/agenda-request/?meeting={draft}"): answers(
        get=DRAFT, head=DRAFT, post=(404, 404, 422, 422)
    ),
    ("web:announcement_list", "/announcements/"): read_only(),
    # Django's syndication view answers every method alike; it only ever reads.
    ("web:announcement_feed", "/announcements/feed/"): any_method(),
    ("web:announcement_detail", "/announcements/drrs-acceptable-use-policy/"): read_only(),
    ("web:announcement_detail", "/announcements/draft-notice/"): read_only(DRAFT),
    ("calendars:help", "/calendar/help/"): read_only(),
    ("calendars:feed_all", "/calendar/all.ics"): read_only(),
    ("calendars:feed_program", "/calendar/tug.ics"): read_only(),
    ("calendars:feed_program", "/calendar/nope.ics"): read_only(GONE),
    ("calendars:meeting_ics", "/meetings/tug-2018-10-16.ics"): read_only(),
    ("calendars:meeting_ics", "/meetings/{draft}.ics"): read_only(DRAFT),
    ("reminders:subscribe", "/subscriptions/new/?program=tug"): link_page(
        get=ANY, post=(400, 400, 400, 400)
    ),
    ("reminders:confirm", "/subscriptions/confirm/(token:confirm)/"): link_page(
        get=(400, 200, 400, 400), post=(400, 302, 400, 400)
    ),
    ("reminders:preferences", "/subscriptions/preferences/(token:preferences)/"): link_page(
        get=(400, 200, 400, 400), post=(400, 200, 400, 400)
    ),
    # A link of one kind never passes for another (the unsubscribe link as preferences link).
    ("reminders:preferences", "/subscriptions/preferences/(token:unsubscribe)/"): link_page(
        get=(400, 400, 400, 400), post=(400, 400, 400, 400)
    ),
    ("reminders:unsubscribe", "/subscriptions/unsubscribe/(token:unsubscribe)/"): link_page(
        get=(400, 200, 400, 400), post=(400, 200, 400, 400)
    ),
    ("reminders:export_subscribers", "/subscriptions/export/tug.csv"): any_method(STAFF_ONLY),
    # The digest's preferences take the reminders' preferences link (an empty POST: saved).
    ("digest:preferences", "/subscriptions/digest/(token:preferences)/"): link_page(
        get=(400, 200, 400, 400), post=(400, 302, 400, 400)
    ),
    ("digest:preferences", "/subscriptions/digest/(token:unsubscribe)/"): link_page(
        get=(400, 400, 400, 400), post=(400, 400, 400, 400)
    ),
    ("digest:unsubscribe", "/subscriptions/digest/unsubscribe/(token:digest_unsubscribe)/"): (
        link_page(get=(400, 200, 400, 400), post=(400, 200, 400, 400))
    ),
    # The reminders' unsubscribe link never stops a digest (nor the reverse).
    ("digest:unsubscribe", "/subscriptions/digest/unsubscribe/(token:unsubscribe)/"): link_page(
        get=(400, 400, 400, 400), post=(400, 400, 400, 400)
    ),
    ("materials:download", "/materials/00000000-0000-4000-8000-000000000000/x.pdf"): read_only(
        GONE
    ),
    # The materials mails' one-click link stops only them; no other link passes for it.
    (
        "materials:notices_unsubscribe",
        "/subscriptions/materials/unsubscribe/(token:materials_unsubscribe)/",
    ): (link_page(get=(400, 200, 400, 400), post=(400, 200, 400, 400))),
    (
        "materials:notices_unsubscribe",
        "/subscriptions/materials/unsubscribe/(token:unsubscribe)/",
    ): (link_page(get=(400, 400, 400, 400), post=(400, 400, 400, 400))),
    ("materials:notices_preferences", "/subscriptions/materials/(token:preferences)/"): link_page(
        get=(400, 200, 400, 400), post=(400, 302, 400, 400)
    ),
    ("api:index", "/api/v1/"): api(),
    ("api:program_list", "/api/v1/programs"): api(),
    ("api:program_detail", "/api/v1/programs/tug"): api(),
    ("api:meeting_list", "/api/v1/meetings"): api(),
    ("api:meeting_detail", "/api/v1/meetings/tug-2018-10-16"): api(),
    ("api:meeting_detail", "/api/v1/meetings/{draft}"): api(GONE),  # never in the API
    ("api:next_meetings", "/api/v1/next-meetings"): api(),
    ("api:announcement_list", "/api/v1/announcements"): api(),
    ("api:announcement_detail", "/api/v1/announcements/drrs-acceptable-use-policy"): api(),
    ("api:announcement_detail", "/api/v1/announcements/draft-notice"): api(GONE),
    # The schema and its docs page answer every method alike (django-ninja); they only read.
    ("api:openapi-json", "/api/v1/openapi.json"): any_method(),
    ("api:openapi-view", "/api/v1/docs"): any_method(),
    ("api:unknown_endpoint", "/api/v1/nope"): any_method(GONE),
}

# --- The admin ----------------------------------------------------------------------------------
# What ISO staff and a superuser may do with each registered model: v(iew), a(dd), c(hange),
# d(elete). An ISO viewer may view what ISO staff may, and nothing more. Anonymous visitors and
# subscribers may do nothing: every admin URL sends them to the
# login page. Object URLs are tried on one row of each model that `world` creates.
ADMIN_RIGHTS = {
    # model: (ISO staff, superuser)
    "meetings.person": ("vacd", "vacd"),
    "meetings.system": ("vacd", "vacd"),
    "meetings.document": ("vacd", "vacd"),
    "meetings.program": ("vacd", "vacd"),
    "meetings.meeting": ("vacd", "vacd"),
    "meetings.announcement": ("vacd", "vacd"),
    "meetings.agendarequest": ("vcd", "vcd"),  # requests come from the public form
    "importer.agendaimport": ("vad", "vad"),  # a record of an import: never edited
    "calendars.storedfeed": ("", "v"),  # built by the portal, for operators to look at
    "reminders.reminderpolicy": ("vc", "vc"),  # one per program, made with it
    "reminders.subscriber": ("vcd", "vcd"),  # subscribers sign up themselves
    "reminders.subscription": ("vcd", "vcd"),
    "reminders.delivery": ("v", "v"),  # the record of what was sent
    "reminders.meetingreminderlog": ("v", "v"),
    "digest.digestpreference": ("vcd", "vcd"),  # subscribers choose it on their page
    "digest.digest": ("v", "v"),  # the record of what was sent
    "materials.material": ("vacd", "vacd"),
    "materials.materialpolicy": ("vacd", "vacd"),
    "materials.topicmaterials": ("vc", "vc"),  # topics are added and removed on their meeting
    "materials.materialsoptin": ("vacd", "vacd"),
    "materials.materialsnotice": ("v", "v"),  # the record of what was mailed
    "auth.user": ("", "vacd"),  # only superusers manage users
    "auth.group": ("", "vacd"),
    "otp_totp.totpdevice": ("", "vacd"),  # two-factor devices: superusers enrol staff
    "axes.accessattempt": ("", "vd"),
    "axes.accesslog": ("", "vd"),
    "axes.accessfailurelog": ("", "vd"),
    "django_celery_beat.periodictask": ("", "vacd"),
    "django_celery_beat.intervalschedule": ("", "vacd"),
    "django_celery_beat.crontabschedule": ("", "vacd"),
    "django_celery_beat.solarschedule": ("", "vacd"),
    "django_celery_beat.clockedschedule": ("", "vacd"),
}
OBJECT_VIEWS = ("change", "delete", "history")


def admin_allowed(rights: str, view: str, method: str) -> bool:
    if view == "add":
        return "a" in rights
    if view == "delete":
        return "d" in rights
    if view == "change" and method == "POST":
        return "c" in rights
    return "v" in rights or "c" in rights  # changelist, history, a read-only change form


# How an allowed, empty POST is answered where it is not with the form's errors (200).
ALLOWED_EMPTY_POST = {
    ("reminders.subscription", "change"): 302,  # every field is optional: saved as it was
    ("importer.agendaimport", "add"): 400,  # the upload form says what is missing
}


def viewer_rights(model: str) -> str:
    return "v" if ADMIN_RIGHTS[model][0] else ""


def admin_expected(role: str, model: str, view: str, method: str) -> int:
    if role in ("anonymous", "subscriber"):
        return 302
    if role == "iso_viewer":
        rights = viewer_rights(model)
    else:
        rights = ADMIN_RIGHTS[model][0 if role == "iso_staff" else 1]
    if not admin_allowed(rights, view, method):
        return 403
    return ALLOWED_EMPTY_POST.get((model, view), 200) if method == "POST" else 200


# The admin's own pages: (URL name, path) -> method -> answers per role, as PUBLIC.
ADMIN_PAGES = {
    ("admin:index", "/admin/"): {"GET": STAFF_ONLY, "POST": STAFF_ONLY},
    ("admin:login", "/admin/login/"): {"GET": (200, 200, 302, 302), "POST": ANY},
    ("admin:logout", "/admin/logout/"): {"GET": (302, 302, 405, 405), "POST": STAFF_ONLY},
    ("admin:password_change", "/admin/password_change/"): {"GET": STAFF_ONLY, "POST": STAFF_ONLY},
    ("admin:password_change_done", "/admin/password_change/done/"): {
        "GET": STAFF_ONLY,
        "POST": (302, 302, 405, 405),
    },
    ("admin:jsi18n", "/admin/jsi18n/"): {"GET": STAFF_ONLY, "POST": (302, 302, 405, 405)},
    ("admin:autocomplete", "/admin/autocomplete/"): {
        "GET": (302, 302, 403, 403),  # names no model and field
        "POST": (302, 302, 405, 405),
    },
    ("admin:view_on_site", "/admin/r/{meeting_type}/{meeting}/"): {
        "GET": (302, 302, 302, 302),
        "POST": (302, 302, 302, 302),
    },
    ("admin:app_list", "/admin/meetings/"): {"GET": STAFF_ONLY, "POST": STAFF_ONLY},
    ("admin:app_list", "/admin/auth/"): {
        "GET": (302, 302, 404, 200),
        "POST": (302, 302, 404, 200),
    },
    ("admin:importer_agendaimport_confirm", "/admin/importer/agendaimport/add/confirm/"): {
        "GET": (302, 302, 302, 302),  # nothing uploaded yet: back to the upload form
        "POST": (302, 302, 400, 400),
    },
    ("admin:meetings_meeting_simple_history", "/admin/meetings/meeting/{meeting}/history/{h}/"): {
        "GET": STAFF_ONLY,
        "POST": STAFF_ONLY,
    },
    # A two-factor device's otpauth:// URL and its QR code: superusers only.
    ("admin:otp_totp_totpdevice_config", "/admin/otp_totp/totpdevice/{totp}/config/"): {
        "GET": (302, 302, 403, 200),
        "POST": (302, 302, 403, 200),
    },
    ("admin:otp_totp_totpdevice_qrcode", "/admin/otp_totp/totpdevice/{totp}/qrcode/"): {
        "GET": (302, 302, 403, 200),
        "POST": (302, 302, 403, 200),
    },
    # Setting another user's password: superusers only.
    ("admin:auth_user_password_change", "/admin/auth/user/{user}/password/"): {
        "GET": (302, 302, 403, 200),
        "POST": (302, 302, 403, 200),
    },
    ("admin:digest_digest_preview", "/admin/digest/digest/preview/"): {
        "GET": STAFF_ONLY,
        "POST": STAFF_ONLY,
    },
    # The preview's HTML part, framed by the page above: nothing chosen, nothing to show.
    ("admin:digest_digest_preview_html", "/admin/digest/digest/preview/html/"): {
        "GET": (302, 302, 400, 400),
        "POST": (302, 302, 400, 400),
    },
    ("admin:materials_material_upload", "/admin/materials/material/upload/"): {
        "GET": STAFF_ONLY,
        "POST": (302, 302, 400, 400),  # nothing chosen: the form says what is missing
    },
    # A material's topic list for a meeting: asked with none, an answer that says so.
    ("admin:materials_material_topic_choices", "/admin/materials/material/topic-choices/"): {
        "GET": (302, 302, 400, 400),
        "POST": (302, 302, 405, 405),
    },
    (None, "/admin/no-such-page/"): {"GET": (302, 302, 404, 404), "POST": (302, 302, 404, 404)},
}

# Where an ISO viewer is not answered as ISO staff: (path, method) -> status.
VIEWER_DIFFERS = {
    # May not import.
    ("/admin/importer/agendaimport/add/confirm/", "GET"): 403,
    ("/admin/importer/agendaimport/add/confirm/", "POST"): 403,
    # May look at an old version, never save it ("Revert").
    ("/admin/meetings/meeting/{meeting}/history/{h}/", "POST"): 403,
    # May not post materials.
    ("/admin/materials/material/upload/", "GET"): 403,
    ("/admin/materials/material/upload/", "POST"): 403,
    ("/admin/materials/material/topic-choices/", "GET"): 403,
    ("/admin/materials/material/topic-choices/", "POST"): 403,
}


@dataclass
class World:
    placeholders: dict[str, str]  # {draft}, {meeting}, ... in the paths above
    tokens: dict[str, str]  # the subscriber's signed links
    users: dict[str, object]
    objects: dict[str, object]  # one row per admin model, for its object URLs
    clients: dict[str, Client] = field(default_factory=dict)


@pytest.fixture
def world(db) -> World:
    load_demo()
    heartbeat_record(name="beat")
    tug = Program.objects.get(slug="tug")
    draft = meeting_create(program=tug, day=date(2030, 1, 8), slug="tug-draft")
    Announcement.objects.create(slug="draft-notice", title="Draft notice", is_published=False)
    subscription = make_subscription(
        "member@example.com", tug, status=Subscription.Status.UNCONFIRMED
    )
    delivery = Delivery.objects.create(
        subscription=subscription, meeting=draft, due_at=draft.starts_at, expires_at=draft.ends_at
    )
    users = {
        "iso_staff": get_user_model().objects.create_user("editor", is_staff=True),
        "iso_viewer": get_user_model().objects.create_user("viewer", is_staff=True),
        "superuser": get_user_model().objects.create_superuser("root"),
    }
    users["iso_staff"].groups.add(ensure_iso_staff_group())
    users["iso_viewer"].groups.add(ensure_iso_viewer_group())
    totp_device = TOTPDevice.objects.create(user=users["iso_staff"], name="phone")
    request = AgendaRequest.objects.create(
        program=tug, name="Ada", email="ada@example.com", topic="DRRS"
    )
    return World(
        placeholders={
            "draft": draft.slug,
            "meeting": str(draft.pk),
            "meeting_type": str(ContentType.objects.get_for_model(Meeting).pk),
            "h": str(draft.history.latest().history_id),
            "user": str(users["iso_staff"].pk),
            "totp": str(totp_device.pk),
        },
        tokens={
            "confirm": tokens.confirm_token(subscription.pk),
            "preferences": tokens.preferences_token(subscription.subscriber_id),
            "unsubscribe": tokens.unsubscribe_token(subscription.pk),
            "digest_unsubscribe": digest_tokens.unsubscribe_token(subscription.pk),
            "materials_unsubscribe": materials_tokens.unsubscribe_token(subscription.pk),
        },
        users=users,
        objects={
            "meetings.person": Person.objects.first(),
            "meetings.system": System.objects.first(),
            "meetings.document": Document.objects.first(),
            "meetings.program": tug,
            "meetings.meeting": draft,
            "meetings.announcement": Announcement.objects.get(slug="draft-notice"),
            "meetings.agendarequest": request,
            "calendars.storedfeed": feed_build(spec=FeedSpec(program="tug")),
            "reminders.reminderpolicy": tug.reminder_policy,
            "reminders.subscriber": subscription.subscriber,
            "reminders.subscription": subscription,
            "reminders.delivery": delivery,
            "reminders.meetingreminderlog": draft,
            "digest.digestpreference": DigestPreference.objects.create(
                subscription=subscription, time_zone="America/Los_Angeles"
            ),
            "digest.digest": Digest.objects.create(
                subscription=subscription,
                week=date(2030, 1, 7),
                due_at=draft.starts_at,
                expires_at=draft.ends_at,
            ),
            "auth.user": users["iso_staff"],
            "otp_totp.totpdevice": totp_device,
            "auth.group": Group.objects.get(name=settings.TUG_ISO_STAFF_GROUP),
        },
    )


def client_for(role: str, world: World) -> Client:
    """The role's browser, logged in once (again after it logged out)."""
    if role not in world.clients:
        client = Client()
        if role in world.users:
            client.force_login(world.users[role])
        world.clients[role] = client
    return world.clients[role]


def resolve_path(template: str, role: str, world: World) -> str:
    path = template.format_map(world.placeholders) if "{" in template else template
    for kind, token in world.tokens.items():
        path = path.replace(f"(token:{kind})", token if role == "subscriber" else FORGED)
    return path


def answer(role: str, world: World, method: str, path: str) -> int:
    cache.clear()  # each request on its own: the fair-use budgets are tested elsewhere
    budgets.forget_all()
    status = client_for(role, world).generic(method, path).status_code
    if path == "/admin/logout/":
        del world.clients[role]
    return status


def table_expected(statuses: tuple, role: str, template: str, method: str) -> int:
    if role == "iso_viewer":
        return VIEWER_DIFFERS.get((template, method), statuses[TABLE_ROLES.index("iso_staff")])
    return statuses[TABLE_ROLES.index(role)]


def table_matrix(table: dict, role: str, world: World) -> tuple[dict, dict]:
    expected, actual = {}, {}
    for (_name, template), methods in table.items():
        path = resolve_path(template, role, world)
        for method, statuses in methods.items():
            expected[(template, method)] = table_expected(statuses, role, template, method)
            actual[(template, method)] = answer(role, world, method, path)
    return expected, actual


def model_urls(model: str, world: World) -> dict[str, str]:
    base = f"/admin/{model.replace('.', '/')}/"
    urls = {"changelist": base, "add": f"{base}add/"}
    if row := world.objects.get(model):
        urls |= {view: f"{base}{row.pk}/{view}/" for view in OBJECT_VIEWS}
    return urls


def admin_model_matrix(role: str, world: World) -> tuple[dict, dict]:
    expected, actual = {}, {}
    for model in ADMIN_RIGHTS:
        for view, path in model_urls(model, world).items():
            for method in ("GET", "POST"):
                expected[(path, method)] = admin_expected(role, model, view, method)
                actual[(path, method)] = answer(role, world, method, path)
    return expected, actual


@pytest.mark.parametrize("role", ROLES)
def test_public_urls_answer_each_role_as_listed(role, world):
    expected, actual = table_matrix(PUBLIC, role, world)

    assert actual == expected


@pytest.mark.parametrize("role", ROLES)
def test_admin_pages_answer_each_role_as_listed(role, world):
    expected, actual = table_matrix(ADMIN_PAGES, role, world)

    assert actual == expected


@pytest.mark.parametrize("role", ROLES)
def test_admin_models_answer_each_role_by_its_rights(role, world):
    expected, actual = admin_model_matrix(role, world)

    assert actual == expected


def named_urls(patterns=None, namespace="") -> set[str]:
    names = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
            names |= named_urls(pattern.url_patterns, inner)
        elif pattern.name:
            names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


MODEL_VIEWS = ("changelist", "add", "change", "delete", "history")
NOT_IN_MATRIX = {
    # Same path as api:index, which answers first.
    "api:api-root",
}


def test_matrix_covers_every_url():
    covered = {name for name, _path in (*PUBLIC, *ADMIN_PAGES) if name}
    covered |= {
        f"admin:{model.replace('.', '_')}_{view}" for model in ADMIN_RIGHTS for view in MODEL_VIEWS
    }
    # One view serves every model's history records; it is tried on meetings.
    covered |= {name for name in named_urls() if name.endswith("_simple_history")}

    assert named_urls() - covered - NOT_IN_MATRIX == set()
    assert {model._meta.label_lower for model in admin.site._registry} == set(ADMIN_RIGHTS)
