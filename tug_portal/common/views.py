from django.http import HttpResponse


def healthz(request):
    """Liveness: the process answers. Touches nothing else, so it is also the bench baseline."""
    return HttpResponse("ok", content_type="text/plain")
