// ReDoc for /redoc: fetches the spec with the bearer token from the URL fragment.
(function () {
  "use strict";
  var token = window.AuroDocs.token();
  var target = document.getElementById("redoc");
  fetch("/openapi.json", { headers: token ? { Authorization: "Bearer " + token } : {} })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("the API description needs a valid token (HTTP " + response.status + ")");
      }
      return response.json();
    })
    .then(function (spec) {
      Redoc.init(spec, { hideDownloadButton: false, expandResponses: "200" }, target);
    })
    .catch(function (error) {
      target.textContent = String(error.message || error);
    });
})();
