// Shared by /docs and /redoc: the token lives in the URL fragment (#token=...), which the
// browser never sends to the server; the form below puts it there.
(function () {
  "use strict";
  function token() {
    var match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
    return match ? decodeURIComponent(match[1]) : "";
  }
  var form = document.getElementById("auro-token");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = form.elements.token.value.trim();
      window.location.hash = "token=" + encodeURIComponent(value);
      window.location.reload();
    });
    if (token()) {
      form.style.display = "none";
    }
  }
  window.AuroDocs = { token: token };
})();
