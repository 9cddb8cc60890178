// The rule builder's htmx requests (a static file: the Content Security Policy allows no inline
// script). When the official's session has expired the server answers 401 with a message for
// the #rb-session box (htmx-config in the page lets 401 answers be swapped there) and the form
// stays as typed. Signing in again (in another tab) gives Django a new CSRF token in its cookie,
// so every request sends the cookie's current token: the next change goes through, and the
// message is cleared once a request succeeds.
(function () {
  "use strict";

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : null;
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (!token) {
      return;
    }
    event.detail.headers["X-CSRFToken"] = token;
    if (event.detail.parameters) {
      // The form's hidden field would win over the header: send the current token in it too.
      event.detail.parameters.csrfmiddlewaretoken = token;
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var box = document.getElementById("rb-session");
    // A 401 counts as successful to htmx (it is swapped, into the box): clear on real answers only.
    if (box && event.detail.xhr && event.detail.xhr.status < 400) {
      box.innerHTML = "";
    }
  });
})();
