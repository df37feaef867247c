// Starts Swagger UI on /api/v1/docs. The schema's URL is read from the page (data-openapi-url),
// so the page needs no inline script and a strict Content-Security-Policy holds.
document.addEventListener("DOMContentLoaded", function () {
  var target = document.getElementById("swagger-ui");
  if (!target || typeof window.SwaggerUIBundle === "undefined") {
    return;
  }
  window.SwaggerUIBundle({
    url: target.dataset.openapiUrl,
    domNode: target,
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // The default would send our schema to validator.swagger.io: nothing leaves the portal.
    validatorUrl: null,
  });
});
