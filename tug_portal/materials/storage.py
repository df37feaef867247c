"""Where material files live: Django's `STORAGES["materials"]` (settings.py). The embedded
default is a folder, var/media/materials/; production points it at S3-compatible object storage
(django-storages) from the environment. Nothing maps the folder or the bucket to a public
address: files are reached only through `views.material_download`, which checks the material
is public first, then streams the file (folder) or redirects to a short-lived signed URL (S3)."""

import secrets
from datetime import date

from django.core.files.storage import storages

ALIAS = "materials"


def materials_storage():
    """Looked up on every use, so that a test's `override_settings(STORAGES=...)` applies."""
    return storages[ALIAS]


def serves_signed_urls(storage=None) -> bool:
    """Object storage hands out signed URLs; a folder has paths the web process streams."""
    storage = storage or materials_storage()
    try:
        storage.path("probe")
    except NotImplementedError:
        return True
    return False


def new_key(*, meeting_uid, file_name: str, today: date) -> str:
    """A key nobody can guess (a random folder), readable by an operator browsing the bucket."""
    return f"{today:%Y/%m}/{meeting_uid}/{secrets.token_urlsafe(18)}/{file_name}"


def file_store(*, key: str, upload) -> str:
    """Store the upload under `key` (never overwriting); returns the key the storage used."""
    upload.seek(0)
    return materials_storage().save(key, upload)


def file_delete(*, key: str) -> None:
    if key:
        materials_storage().delete(key)


def file_exists(*, key: str) -> bool:
    return bool(key) and materials_storage().exists(key)


def signed_url(*, key: str, file_name: str, content_type: str, seconds: int) -> str:
    """A URL of the object valid for `seconds`, whose answer is an attachment of the right type
    (S3's response-content-* parameters, part of the signature)."""
    return materials_storage().url(
        key,
        parameters={
            "ResponseContentDisposition": f'attachment; filename="{file_name}"',
            "ResponseContentType": content_type,
        },
        expire=seconds,
    )
