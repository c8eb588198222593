"use strict";
// Swagger UI start-up, kept out of the HTML so the page needs no inline script. No validator
// badge: it would send the schema to an outside service.
if (window.SwaggerUIBundle) {
  window.SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
  });
}
