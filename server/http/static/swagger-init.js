// Swagger UI for /docs: the spec and every "Try it out" call carry the bearer token, which
// comes from the URL fragment (#token=...), never sent to the server in a URL.
(function () {
  "use strict";
  var token = window.AuroDocs.token();
  var ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: false,
    validatorUrl: null,
    tryItOutEnabled: false,
    requestInterceptor: function (request) {
      if (token && !request.headers.Authorization) {
        request.headers.Authorization = "Bearer " + token;
      }
      return request;
    },
    onComplete: function () {
      if (token) {
        ui.preauthorizeApiKey("bearerAuth", token);
      }
    },
  });
  window.ui = ui;
})();
