// Chairside's only hand-written script: it makes failures visible and warns before
// an idle session ends. No inline scripts anywhere (Content-Security-Policy).
"use strict";

(function () {
  const errorBox = document.getElementById("request-error");
  const errorMessage = document.getElementById("request-error-message");

  function showError(text) {
    errorMessage.textContent = text;
    errorBox.classList.remove("d-none");
    errorBox.focus();
  }

  function hideError() {
    errorBox.classList.add("d-none");
  }

  // Server refusals are short plain text by design (encounters/views/access.py);
  // anything else (an HTML error page) is replaced by a sentence about the status.
  function describe(xhr) {
    const type = xhr.getResponseHeader("Content-Type") || "";
    const body = (xhr.responseText || "").trim();
    if (type.startsWith("text/plain") && body && body.length < 400) {
      return body;
    }
    if (xhr.status === 403) return "You are not allowed to do that. Nothing was saved.";
    if (xhr.status === 404) return "That record no longer exists or is not yours to see. Nothing was saved.";
    if (xhr.status >= 500) return "The server failed (error " + xhr.status + "). Nothing was saved; try again, and tell support if it keeps happening.";
    return "The request was refused (error " + xhr.status + "). Nothing was saved.";
  }

  document.addEventListener("htmx:responseError", function (event) {
    showError(describe(event.detail.xhr));
  });
  document.addEventListener("htmx:sendError", function () {
    showError("No connection to Chairside: your last action was not saved. Check the network and try again.");
  });
  document.addEventListener("htmx:timeout", function () {
    showError("Chairside did not answer in time: your last action may not have been saved. Check the screen, then try again.");
  });
  // 409 and 422 are swapped (htmx-config in base.html) because they answer
  // with the part of the page to show again; a plain-text refusal is not a part
  // of the page, so it goes to the banner and the page stays as it was.
  document.addEventListener("htmx:beforeSwap", function (event) {
    const xhr = event.detail.xhr;
    const type = xhr.getResponseHeader("Content-Type") || "";
    if (xhr.status >= 400 && type.startsWith("text/plain")) {
      event.detail.shouldSwap = false;
      showError(describe(xhr));
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful && event.detail.xhr.status < 400) hideError();
  });
  const dismiss = document.getElementById("request-error-dismiss");
  if (dismiss) dismiss.addEventListener("click", hideError);

  // Idle session warning, in step with encounters/session.py.
  const body = document.body;
  const idleSeconds = parseInt(body.dataset.sessionIdleSeconds || "0", 10);
  if (!idleSeconds) return;
  const warningSeconds = parseInt(body.dataset.sessionWarningSeconds || "120", 10);
  const warning = document.getElementById("session-warning");
  const countdown = document.getElementById("session-countdown");
  let lastActivity = Date.now();

  function isBackground(detail) {
    const headers = (detail.requestConfig && detail.requestConfig.headers) || {};
    return headers["X-Chairside-Background"] === "1";
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful && !isBackground(event.detail)) {
      lastActivity = Date.now();
    }
  });

  function csrfToken() {
    return JSON.parse(body.getAttribute("hx-headers"))["X-CSRFToken"];
  }

  // Sign out on the server too, whatever its own clock says, then come back to
  // this page through the login form.
  let signingOut = false;
  function signOut() {
    if (signingOut) return;
    signingOut = true;
    const form = document.createElement("form");
    form.method = "post";
    form.action = body.dataset.logoutUrl;
    const fields = {
      csrfmiddlewaretoken: csrfToken(),
      next: window.location.pathname + window.location.search,
    };
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.appendChild(input);
    }
    document.body.appendChild(form);
    form.submit();
  }

  function tick() {
    const left = idleSeconds - Math.floor((Date.now() - lastActivity) / 1000);
    if (left <= 0) {
      signOut();
      return;
    }
    if (left <= warningSeconds) {
      const minutes = Math.floor(left / 60);
      const seconds = String(left % 60).padStart(2, "0");
      countdown.textContent = minutes + ":" + seconds;
      warning.classList.remove("d-none");
    } else {
      warning.classList.add("d-none");
    }
  }
  setInterval(tick, 1000);

  document.getElementById("session-keepalive").addEventListener("click", function () {
    fetch(body.dataset.keepaliveUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
    }).then(function (response) {
      if (response.ok && !response.redirected) {
        lastActivity = Date.now();
        tick();
      } else {
        showError("Your session could not be extended; sign in again.");
      }
    }, function () {
      showError("No connection to Chairside: the session could not be extended.");
    });
  });
})();
