"""The API's documentation page: Swagger UI served from our own static files.

django-ninja's own page loads Swagger UI from a CDN unless ninja is an installed app, and starts it
with an inline script; ours loads the vendored copy (static/vendor/swagger-ui/) and starts it from
a static file, so the page works offline and under a strict Content-Security-Policy.
"""

from csp.constants import SELF
from csp.decorators import csp_update
from django.shortcuts import render
from ninja.openapi.docs import DocsBase


class SelfHostedSwagger(DocsBase):
    # Swagger UI's stylesheet draws its icons as data: URIs.
    @csp_update({"img-src": [SELF, "data:"]})
    def render_page(self, request, api, **kwargs):
        return render(
            request,
            "api/docs.html",
            {"api": api, "openapi_url": self.get_openapi_url(api, kwargs)},
        )
