// deadbolt portal script: passkey ceremonies, live updates, countdowns,
// local times, copy buttons and the Web Push subscription. Loaded from this origin only (the CSP
// allows no inline script); every page works with the keyboard, and pages
// other than the passkey steps work without it.
"use strict";
(function () {
  // --- base64url <-> ArrayBuffer -----------------------------------------
  function toBuf(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    const bin = atob(s), b = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) b[i] = bin.charCodeAt(i);
    return b.buffer;
  }
  function toB64(buf) {
    const b = new Uint8Array(buf);
    let s = "";
    for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function creationOptions(o) {
    const pk = o.publicKey;
    pk.challenge = toBuf(pk.challenge);
    pk.user.id = toBuf(pk.user.id);
    if (pk.excludeCredentials) pk.excludeCredentials = pk.excludeCredentials.map(function (c) { return Object.assign({}, c, { id: toBuf(c.id) }); });
    return { publicKey: pk };
  }
  function requestOptions(o) {
    const pk = o.publicKey;
    pk.challenge = toBuf(pk.challenge);
    if (pk.allowCredentials) pk.allowCredentials = pk.allowCredentials.map(function (c) { return Object.assign({}, c, { id: toBuf(c.id) }); });
    return { publicKey: pk, mediation: o.mediation || undefined };
  }
  function credentialJSON(c) {
    const r = c.response, out = {
      id: c.id, rawId: toB64(c.rawId), type: c.type,
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      response: { clientDataJSON: toB64(r.clientDataJSON) }
    };
    if (c.authenticatorAttachment) out.authenticatorAttachment = c.authenticatorAttachment;
    if (r.attestationObject) {
      out.response.attestationObject = toB64(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    }
    if (r.authenticatorData) {
      out.response.authenticatorData = toB64(r.authenticatorData);
      out.response.signature = toB64(r.signature);
      if (r.userHandle) out.response.userHandle = toB64(r.userHandle);
    }
    return out;
  }
  async function postJSON(url, body) {
    const res = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body || {})
    });
    const data = await res.json().catch(function () { return {}; });
    if (!res.ok) {
      const err = new Error(data.message || ("deadbolt answered " + res.status));
      err.redirect = data.redirect; // a step-up that ended goes back to its application
      throw err;
    }
    return data;
  }
  function say(el, text, isError) {
    if (!el) return;
    el.textContent = text;
    el.classList.toggle("error", !!isError);
  }

  // focusMessage moves keyboard focus to an error message, so that a
  // keyboard or screen-reader user is not left on <body>.
  function focusMessage(el) {
    if (!el) return;
    el.tabIndex = -1;
    el.focus();
  }

  // --- passkey ceremonies: <form class="ceremony" data-passkey=signin|register>
  async function ceremony(form) {
    const status = document.getElementById(form.dataset.status || "status");
    const button = form.querySelector("button[type=submit]");
    const fields = { token: form.dataset.token || "" };
    new FormData(form).forEach(function (v, k) { fields[k] = String(v); });
    if (!window.PublicKeyCredential) { say(status, "This browser does not support passkeys.", true); return; }
    button.disabled = true;
    say(status, "Waiting for your passkey…");
    try {
      const options = await postJSON(form.dataset.begin, fields);
      const cred = form.dataset.passkey === "signin"
        ? await navigator.credentials.get(requestOptions(options))
        : await navigator.credentials.create(creationOptions(options));
      const done = await postJSON(form.dataset.finish, { credential: credentialJSON(cred), name: fields.name || "" });
      say(status, "Done.");
      window.location.assign(done.redirect || "/");
    } catch (e) {
      const msg = e && e.name === "NotAllowedError" ? "The passkey prompt was closed or timed out. Try again." : (e && e.message) || String(e);
      say(status, msg, true);
      if (e && e.redirect) { window.location.assign(e.redirect); return; }
      button.disabled = false;
      focusMessage(status);
    }
  }
  document.querySelectorAll("form.ceremony").forEach(function (form) {
    form.addEventListener("submit", function (ev) { ev.preventDefault(); ceremony(form); });
  });

  // --- Web Push: <form class="push-on" data-key=VAPID public key> --------
  document.querySelectorAll("form.push-on").forEach(function (form) {
    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      const status = document.getElementById("push-status");
      const button = form.querySelector("button");
      if (!("serviceWorker" in navigator) || !window.PushManager) { say(status, "This browser cannot receive push notifications.", true); return; }
      button.disabled = true;
      try {
        const reg = await navigator.serviceWorker.register("/sw.js");
        await navigator.serviceWorker.ready;
        if (await Notification.requestPermission() !== "granted") throw new Error("Notifications are blocked for this site.");
        const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: toBuf(form.dataset.key) });
        const done = await postJSON("/push/subscribe", sub.toJSON());
        window.location.assign(done.redirect || "/settings");
      } catch (e) {
        say(status, (e && e.message) || String(e), true);
        button.disabled = false;
        focusMessage(status);
      }
    });
  });

  // --- local times and countdowns --------------------------------------
  function localTimes(root) {
    root.querySelectorAll("time[data-local]").forEach(function (t) {
      const d = new Date(t.getAttribute("datetime"));
      if (!isNaN(d)) { t.title = t.textContent; t.textContent = d.toLocaleString([], { dateStyle: "medium", timeStyle: "short" }); }
    });
  }
  function fmt(ms) {
    let s = Math.max(0, Math.round(ms / 1000));
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    if (h > 0) return h + " h " + String(m).padStart(2, "0") + " min";
    return m + ":" + String(s).padStart(2, "0");
  }
  let expired = false;
  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      const left = new Date(el.dataset.countdown).getTime() - now;
      el.textContent = fmt(left);
      if (left <= 0 && !el.dataset.done) { el.dataset.done = "1"; expired = true; }
    });
    if (expired) { expired = false; refresh(); }
  }

  // --- live updates -----------------------------------------------------
  const live = document.getElementById("live"), announce = document.getElementById("announce");
  let refreshing = false, again = false;
  async function refresh() {
    if (!live) return;
    if (refreshing) { again = true; return; }
    refreshing = true;
    try {
      const res = await fetch(live.dataset.live, { credentials: "same-origin", headers: { "Accept": "text/html" } });
      if (res.status === 401) { window.location.assign("/signin"); return; }
      if (res.ok) {
        const html = await res.text();
        // Every live control has a stable id: keep the keyboard user's
        // place and what they typed or chose across the replacement.
        const active = document.activeElement, inLive = active && active !== live && live.contains(active);
        const focusedId = inLive ? active.id : "";
        const caret = inLive && typeof active.selectionStart === "number" ? [active.selectionStart, active.selectionEnd] : null;
        const values = {};
        live.querySelectorAll("input[id]:not([type=hidden]), select[id]").forEach(function (el) { values[el.id] = el.value; });
        const before = {};
        live.querySelectorAll("article.request").forEach(function (a) { before[a.id] = true; });
        live.innerHTML = html;
        live.dataset.fp = res.headers.get("X-Fingerprint") || "";
        live.dataset.version = String((Number(live.dataset.version) || 0) + 1);
        Object.keys(values).forEach(function (id) {
          const el = document.getElementById(id);
          if (el && live.contains(el) && el.value !== values[id]) el.value = values[id];
        });
        if (inLive) {
          const el = focusedId && document.getElementById(focusedId);
          if (el) {
            el.focus({ preventScroll: true });
            if (caret && el.setSelectionRange) try { el.setSelectionRange(caret[0], caret[1]); } catch (e) { /* not a text field */ }
          } else {
            live.focus({ preventScroll: true }); // the control went away: stay in the live part, not <body>
          }
        }
        // Screen readers hear new requests from the polite live region.
        const added = [];
        live.querySelectorAll("article.request").forEach(function (a) {
          if (!before[a.id]) added.push("New sign-in request for " + a.dataset.account + " at " + a.dataset.app);
        });
        if (added.length && announce) announce.textContent = added.join(". ");
        localTimes(live);
        tick();
      }
    } finally {
      refreshing = false;
      if (again) { again = false; refresh(); }
    }
  }
  if (live && window.EventSource) {
    const es = new EventSource("/events?fp=" + encodeURIComponent(live.dataset.fp || ""));
    es.addEventListener("open", function () { document.body.dataset.live = "on"; });
    es.addEventListener("changed", refresh);
    es.addEventListener("signedout", function () { es.close(); window.location.assign("/signin"); });
  }

  // --- an import's progress: <section data-poll=URL> with a <progress> ----
  const job = document.querySelector("[data-poll]");
  if (job) {
    const bar = document.getElementById("import-progress"), text = document.getElementById("import-text");
    // The server answers when more rows are done (or after a while).
    // The status line is a live region: it speaks at most every 5 s.
    let done = bar ? Number(bar.value) || 0 : 0, said = 0;
    const poll = async function () {
      try {
        const res = await fetch(job.dataset.poll + "?after=" + done, { credentials: "same-origin", headers: { "Accept": "application/json" } });
        if (res.status === 401) { window.location.assign("/signin"); return; }
        const st = await res.json();
        if (st.state !== "running") { window.location.reload(); return; }
        done = st.done;
        if (bar) { bar.max = st.total; bar.value = st.done; }
        if (text && Date.now() - said >= 5000) { said = Date.now(); text.textContent = "Importing: " + st.done + " of " + st.total + " rows done."; }
        setTimeout(poll, 500);
      } catch (e) { setTimeout(poll, 2000); }
    };
    poll();
  }

  // --- a step-up waiting for approvers: <section data-stepup-wait=URL> ---
  // The status answers JSON; with a redirect the step is over (the code,
  // or back to the application with access_denied).
  const wait = document.querySelector("[data-stepup-wait]");
  if (wait) {
    const text = document.getElementById("wait-text");
    const check = async function () {
      try {
        const res = await fetch(wait.dataset.stepupWait, { credentials: "same-origin", headers: { "Accept": "application/json" } });
        const st = await res.json();
        if (st.redirect) { window.location.assign(st.redirect); return; }
        if (!res.ok) { if (text) text.textContent = st.message || "This sign-in request has ended."; return; }
        if (text && st.text && text.textContent !== st.text) text.textContent = st.text;
        setTimeout(check, 2000);
      } catch (e) { setTimeout(check, 5000); }
    };
    setTimeout(check, 2000);
  }

  // --- copy buttons: <button data-copy="element-id"> ----------------------
  document.addEventListener("click", function (ev) {
    const b = ev.target.closest && ev.target.closest("button[data-copy]");
    if (!b) return;
    const el = document.getElementById(b.dataset.copy);
    if (el && navigator.clipboard) navigator.clipboard.writeText(el.textContent.trim()).then(function () { b.textContent = "Copied"; });
  });

  localTimes(document);
  tick();
  setInterval(tick, 1000);
})();
