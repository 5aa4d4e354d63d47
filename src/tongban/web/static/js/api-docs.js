// Starts the vendored Swagger UI on /api/docs; no inline script, nothing fetched from outside.
window.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("swagger-ui");
  SwaggerUIBundle({
    url: el.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true
  });
});
