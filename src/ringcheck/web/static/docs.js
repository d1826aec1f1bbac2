// Draws the API docs with the locally served Swagger UI (no CDN, no inline script).
// The bundled Swagger UI reads OpenAPI 3.0 only and refuses FastAPI's 3.1 label, though
// it draws this schema fine; so the label is relabelled here, for display only.
window.addEventListener("load", function () {
  fetch("/openapi.json", { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (spec) {
      if (/^3\.1\./.test(spec.openapi || "")) spec.openapi = "3.0.3";
      window.SwaggerUIBundle({ spec: spec, dom_id: "#swagger-ui" });
    })
    .catch(function () {
      var box = document.getElementById("swagger-ui");
      if (box) box.textContent = "The API description could not be loaded. It is at /openapi.json.";
    });
});
