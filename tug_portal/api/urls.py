from django.urls import path, re_path

from .api import api, method_not_allowed_as_json, unknown_endpoint

app_name = "api"

urlpatterns = [
    *(
        path(str(route.pattern), method_not_allowed_as_json(route.callback), name=route.name)
        for route in api.urls[0]
    ),
    # Last: anything else under /api/v1/ is answered as JSON, not with the site's HTML 404.
    # (An empty pattern matches every path, even one with a newline in it.)
    re_path(r"", unknown_endpoint, name="unknown_endpoint"),
]
