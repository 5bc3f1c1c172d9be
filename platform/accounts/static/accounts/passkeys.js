// Security keys and passkeys (WebAuthn): asks the browser to make or use a key and passes
// its answer to Haven, which checks it. A file of its own because the CSP forbids inline
// script; without JavaScript or WebAuthn the page says so and codes still work.
(function () {
  "use strict";

  const WORDS = {
    working: "Follow your browser: touch your security key, or confirm with your fingerprint, face or PIN.",
    done: "Done. One moment…",
    cancelled: "The key did not answer in time, or it was cancelled. Try again.",
    known: "That key is already set up for you here. Use another key.",
    insecure: "This address cannot use security keys. Ask your school's IT support.",
    offline: "Haven could not be reached, or you were signed out. Reload the page and try again.",
  };

  function supported() {
    return typeof window.PublicKeyCredential === "function" && !!navigator.credentials;
  }

  function toBytes(base64url) {
    const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    return Uint8Array.from(binary, function (c) { return c.charCodeAt(0); }).buffer;
  }

  function toBase64url(buffer) {
    let binary = "";
    new Uint8Array(buffer).forEach(function (byte) { binary += String.fromCharCode(byte); });
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIds(descriptors) {
    return (descriptors || []).map(function (descriptor) {
      return Object.assign({}, descriptor, { id: toBytes(descriptor.id) });
    });
  }

  // The server's JSON options, with the binary fields the browser wants as bytes.
  function creationOptions(options) {
    return Object.assign({}, options, {
      challenge: toBytes(options.challenge),
      user: Object.assign({}, options.user, { id: toBytes(options.user.id) }),
      excludeCredentials: withIds(options.excludeCredentials),
    });
  }

  function requestOptions(options) {
    return Object.assign({}, options, {
      challenge: toBytes(options.challenge),
      allowCredentials: withIds(options.allowCredentials),
    });
  }

  // The browser's answer as the JSON py_webauthn reads.
  function answer(credential) {
    const response = credential.response;
    const json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toBase64url(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      json.response.attestationObject = toBase64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toBase64url(response.authenticatorData);
      json.response.signature = toBase64url(response.signature);
      json.response.userHandle = response.userHandle ? toBase64url(response.userHandle) : null;
    }
    return json;
  }

  async function post(url, body, csrfToken) {
    let response;
    let data = null;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken },
        body: JSON.stringify(body),
      });
      data = await response.json();
    } catch (error) {
      throw new Error(WORDS.offline);
    }
    if (!response.ok) {
      const refused = new Error((data && data.detail) || WORDS.offline);
      refused.code = data && data.code;
      throw refused;
    }
    return data;
  }

  function refusal(error) {
    if (error && error.name === "NotAllowedError") return WORDS.cancelled;
    if (error && error.name === "AbortError") return WORDS.cancelled;
    if (error && error.name === "InvalidStateError") return WORDS.known;
    if (error && error.name === "SecurityError") return WORDS.insecure;
    return (error && error.message) || WORDS.offline;
  }

  async function ceremony(box, form) {
    const csrfToken = form.querySelector("[name=csrfmiddlewaretoken]").value;
    const name = form.querySelector("[name=name]");
    if (box.dataset.passkey === "register") {
      const options = await post(box.dataset.start, { name: name.value }, csrfToken);
      const credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
      return post(box.dataset.finish, answer(credential), csrfToken);
    }
    const options = await post(box.dataset.start, {}, csrfToken);
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
    return post(box.dataset.finish, answer(credential), csrfToken);
  }

  function start(box) {
    const form = box.querySelector("[data-passkey-form]");
    const error = box.querySelector("[data-passkey-error]");
    const status = box.querySelector("[data-passkey-status]");
    const button = form.querySelector("button[type=submit]");
    const name = form.querySelector("[name=name]");
    box.querySelectorAll("[data-passkey-unsupported]").forEach(function (note) { note.hidden = true; });
    form.hidden = false;

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (button.disabled) return;
      error.hidden = true;
      error.textContent = "";
      if (name) name.removeAttribute("aria-invalid");
      button.disabled = true;
      status.textContent = WORDS.working;
      try {
        const done = await ceremony(box, form);
        status.textContent = WORDS.done;
        window.location.assign(done.redirect_url);
      } catch (failure) {
        status.textContent = "";
        error.textContent = refusal(failure);
        error.hidden = false;
        button.disabled = false;
        if (name && failure.code === "name") {
          name.setAttribute("aria-invalid", "true");
          name.setAttribute("aria-describedby", "name-help " + error.id);
          name.focus();
        } else {
          button.focus();
        }
      }
    });
  }

  if (!supported()) return;
  document.querySelectorAll("[data-passkey]").forEach(start);
})();
