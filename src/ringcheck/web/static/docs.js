// Draws the API docs with the vendored Swagger UI (static/swagger-ui; no CDN, no inline
// script). Swagger UI 5 reads the OpenAPI 3.1 schema FastAPI writes, as it is.
window.addEventListener("load", function () {
  var box = document.getElementById("swagger-ui");
  if (!window.SwaggerUIBundle) {
    if (box) box.textContent = "The API docs could not be drawn. The description is at /openapi.json.";
    return;
  }
  window.SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    validatorUrl: null, // never ask validator.swagger.io about our schema
    onFailure: function () {
      if (box) box.textContent = "The API description could not be loaded. It is at /openapi.json.";
    },
  });
});
