// Package portal is deadbolt's browser UI: passkey sign-in and
// registration, "my accounts" (lock, unlock for a time or once, lock
// everything, live countdowns; for an account an approval policy governs,
// "Ask for access" ahead of time instead of Unlock, POST
// /accounts/{id}/request, grants.go), the unlock-request inbox with approve and
// deny, live updates over server-sent events, and the enablement flow that
// links an application's account to a person (GET /enable?auth-token=JWT).
// It also serves POST /nl3/api/v1/sdk/enableUser, the server-to-server
// form of enablement, as a JSON handler for the API mux (EnableAPI).
//
// # Admin pages
//
// Owners and admins of a tenant manage its applications, keys, members,
// webhooks and each application's accounts (search, keyset paging by name,
// lock, unlock, enrol, CSV import), and see deliveries and activity. Every
// admin route finds what it acts on within the signed-in member's tenant
// (another tenant's gets 404) and changes it through the same functions as
// the CLI (packages admin, access, csvimport), so each rule and audit event
// has one implementation. Changes that hit every account of an application
// at once (lock-down, turning checks off) sit in a danger zone and need the
// application's name typed. A CSV import runs in the background on the node
// that received it, in one transaction; its page long-polls its progress.
// The admin home carries a setup checklist that ends in a first lock check.
// The exposure report (reports.go) renders package exposure's body inside
// the admin layout and offers its HTML, CSV and JSON as downloads.
// The break-glass page (breakglass.go) marks accounts and groups, opens a
// marked account as an admin and issues offline codes, all through
// breakglass.Service; a new issue's codes are shown in that answer only.
// The approval templates page (approvaltemplates.go) lists, creates and
// deletes templates of approval requests for operations through
// admin.Service, as the CLI and /api/v1/templates do. Sign-to-approve
// (sign.go) is one ceremony for access requests (/approvals/{id}/sign) and
// operations (/approvals/ops/{id}/sign).
//
// Lengths of time are written one way everywhere ("15 min", "24 h") and
// read back in that form too (duration.go).
//
// # Security
//
// Pages are server-rendered with html/template; assets (CSS, one script,
// icons, the web app manifest) are embedded, so there is no build step and
// no inline script. Pages link them by content-hashed names
// (/static/app.HASH.css), cached for a year; every static answer has an
// ETag, and text files are sent gzip-compressed to browsers that accept it. Every answer carries a strict Content-Security-Policy
// (scripts, styles and connections from this origin only, no framing,
// forms post only here). Every state-changing route sits behind
// http.CrossOriginProtection, which refuses cross-origin browser requests
// by their Sec-Fetch-Site or Origin header. Cookies are HttpOnly and
// SameSite=Lax, Secure (and __Host- prefixed) when the public URL is https.
//
// A session cookie holds 32 random bytes; the store keeps only their hash,
// with the member, the absolute expiry (Config.SessionMax) and the last
// request, from which idle expiry (Config.SessionIdle) counts. The state a
// WebAuthn ceremony keeps between its two requests travels in a sealed
// (AES-GCM, under the master key), HttpOnly cookie that lives five
// minutes, and its challenge is recorded as a used nonce when the ceremony
// finishes, so a ceremony completes at most once.
//
// Sign-in attempts are rate limited per client address (begin and finish)
// and per member (failed finishes of a known passkey), in memory on each
// node.
//
// # Passkeys and first sign-in
//
// A member can have several named passkeys and remove any but the last
// (the store refuses that atomically). Nobody signs up on their own: a
// member's first passkey is registered through a one-time link, which
// `deadbolt member invite` prints and which `serve` prints at start for
// every tenant whose owners have no passkey yet; or through enablement,
// where the application's signed token vouches for the person's account —
// but not for the email they type. A member who registered that way has
// an unverified email (store.Member.EmailVerifiedAt): nothing is given to
// them by email (admin.Bindable) until they open, signed in, the one-time
// link mailed to that address (verify.go). Without SMTP (Deps.Mail false)
// they keep only what they link themselves, and the pages say so.
//
// WebAuthn needs a domain, not an IP address: when the public URL's host is
// a loopback address, the portal lives at http://localhost:PORT and
// requests for portal pages on the loopback address are redirected there.
//
// # Live updates
//
// GET /events is a server-sent-event stream per signed-in browser. It wakes
// on the in-process live.Broker (a request raised by a check on this node,
// a change made in the portal) and every few seconds re-reads the member's
// state from the store, so changes from the CLI, other processes or other
// nodes arrive too; when what the page shows changed, it sends "changed"
// and the page fetches its new content.
//
// # Accessibility
//
// Every control is reachable with the keyboard and shows a solid outline
// when focused (also in forced-colors mode). Controls repeated per account
// or request name their account ("Unlock alice at Wiki"). Live updates
// keep the focused control and what was typed (live controls have stable
// ids), and a polite live region announces new sign-in requests. The
// browser tests (e2e/a11y_test.go) run axe-core and a keyboard walk on
// every page that Routes lists.
//
// # Enablement
//
// The application sends the person to /enable?auth-token=JWT (&return_to=
// URL). The token is verified like a lock-check token (issuer, key,
// audience, lifetime at most 15 minutes) and its one-time key (its jti, or
// its decoded signature when it has none: token.Token.OneTimeKey) is
// recorded until it expires, so each token works once. Once shown at
// /enable, a token is also retired from this node's lock check
// (check.Service.Retire): it travelled in a browser's address. The
// verified account travels in a sealed cookie while the person signs in or
// registers, then they confirm the link. return_to must have one of the
// application's registered origins (`app set --origin`).
package portal
