// deadbolt step-up for an Amazon Cognito CUSTOM_CHALLENGE (see
// ../cognito-stepup.md). deadboltStepUp(url, {container}) shows deadbolt's
// page in an iframe inside container (or, without one, in a popup) and
// resolves with the answer for RespondToAuthChallenge: the query string
// deadbolt's redirect carried to stepup-done.html. It rejects when deadbolt
// sends an error back (the person cancelled, or the step was refused).
// stepup-done.html must be served from this page's origin and registered
// as the client's --redirect-uri; for the iframe, register this origin
// with --frame-origin too.
function deadboltStepUp(url, options) {
  options = options || {};
  return new Promise(function (resolve, reject) {
    let frame = null, popup = null;
    function done(e) {
      if (e.origin !== location.origin || !e.data || typeof e.data.stepup !== "string") return;
      removeEventListener("message", done);
      if (frame) frame.remove();
      if (popup) popup.close();
      const q = new URLSearchParams(e.data.stepup);
      if (q.get("error")) reject(new Error(q.get("error_description") || q.get("error")));
      else resolve(e.data.stepup);
    }
    addEventListener("message", done);
    if (options.container) {
      frame = document.createElement("iframe");
      frame.src = url;
      frame.title = "Confirm it is you with your passkey";
      frame.allow = "publickey-credentials-get"; // WebAuthn in a frame from another origin
      frame.width = "420";
      frame.height = "560";
      options.container.appendChild(frame);
    } else {
      popup = window.open(url, "deadbolt-stepup", "width=480,height=640");
      if (!popup) {
        removeEventListener("message", done);
        reject(new Error("the browser blocked the popup"));
      }
    }
  });
}
