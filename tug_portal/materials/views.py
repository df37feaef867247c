"""Downloads: the one way to a material's file. A material the viewer may not see is a 404,
whatever its storage; a public one is streamed by the web process as an attachment of its
checked type (a folder) or redirected to a short-lived signed URL (object storage)."""

from django.conf import settings
from django.http import FileResponse, HttpResponseRedirect
from django.views.decorators.http import require_safe

from . import selectors, storage


@require_safe
def material_download(request, public_id, file_name):
    material = selectors.material_for_download(public_id=public_id, user=request.user)
    if storage.serves_signed_urls():
        response = HttpResponseRedirect(
            storage.signed_url(
                key=material.file_key,
                file_name=material.file_name,
                content_type=material.content_type,
                seconds=settings.TUG_MATERIALS_SIGNED_URL_SECONDS,
            )
        )
    else:
        response = FileResponse(
            storage.materials_storage().open(material.file_key, "rb"),
            as_attachment=True,
            filename=material.file_name,
            content_type=material.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
    # Drafts are seen by staff only: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store" if not material.is_published else "private"
    return response
