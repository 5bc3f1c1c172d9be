// Privacy on a shared screen: "Hide screen" (button, or Esc twice) covers the whole page
// at once until its owner clicks back; a warning a minute before the server's idle timeout
// ends the session, and the sign-in page once it has.
(function () {
  "use strict";
  const body = document.body;
  const blank = document.getElementById("blank-screen");
  let lastEscape = 0;

  function hideScreen() {
    if (!blank || !blank.hidden) return;
    for (const child of body.children) if (child !== blank) child.inert = true;
    blank.hidden = false;
    body.classList.add("blanked");
    blank.querySelector("button").focus();
  }

  function showScreen() {
    blank.hidden = true;
    body.classList.remove("blanked");
    for (const child of body.children) child.inert = false;
    const opener = document.querySelector("[data-blank-screen]");
    if (opener) opener.focus();
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-blank-screen]")) hideScreen();
    else if (event.target.closest("[data-unblank]")) showScreen();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    const now = Date.now();
    if (now - lastEscape < 600) hideScreen();
    lastEscape = now;
  });

  const idleSeconds = parseInt(body.dataset.idleSeconds || "0", 10);
  const warning = document.getElementById("idle-warning");
  if (!idleSeconds || !warning) return;
  const WARN = Math.min(60, Math.floor(idleSeconds / 2));
  let lastActive = Date.now();
  let previousFocus = null;

  function tick() {
    const left = idleSeconds - Math.floor((Date.now() - lastActive) / 1000);
    if (left <= 0) {
      window.location.assign(body.dataset.signedOut);
      return;
    }
    if (left <= WARN) {
      warning.querySelector("[data-idle-left]").textContent = String(left);
      if (warning.hidden) {
        previousFocus = document.activeElement;
        warning.hidden = false;
        warning.querySelector("[data-stay]").focus();
      }
    }
  }

  function stay() {
    fetch(body.dataset.keepAlive, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": JSON.parse(body.getAttribute("hx-headers"))["X-CSRFToken"] },
    }).then(function (response) {
      if (response.status === 204 && !response.redirected) {
        lastActive = Date.now();
        warning.hidden = true;
        if (previousFocus) previousFocus.focus();
      } else {
        window.location.assign(body.dataset.signedOut);
      }
    });
  }

  warning.querySelector("[data-stay]").addEventListener("click", stay);
  // Requests the page makes by itself (type-ahead) reach the server and count as activity.
  document.addEventListener("htmx:afterRequest", function () { lastActive = Date.now(); });
  window.setInterval(tick, 1000);
})();
