// Package slackapp lets approvers vote from Slack. One Slack app serves the
// deployment (its bot token and signing secret are in the server's
// configuration); each member links their own Slack user, found through
// Slack's users.lookupByEmail by their verified email, and a member's link
// is valid only in the member's tenant. The email proves nothing (whoever
// creates a member vouches for it), so a link is pending until that Slack
// user presses "Confirm: this is me" in the direct message the app sends;
// a pending link gets no messages and votes nothing.
//
//   - Notifier is the outbox carrier of the member channel "slack": for an
//     access request the member may vote on (a notify.TypeApprovalAsked
//     notice; operations and requesters' outcomes never come here), it
//     posts an interactive message with the request's context and
//     Approve / Deny buttons, or, under a policy that says sign, a button
//     that opens the portal's sign page (a signed approval cannot be given
//     from Slack). Delivery is at least once: a
//     reply lost after Slack accepted a post leaves a second copy, and
//     either copy casts the member's one vote.
//   - Handler serves POST /slack/interactions: it verifies Slack's v0
//     signature (the timestamp within five minutes, a constant-time
//     compare), maps the Slack user to a member of the request's tenant
//     through their link, votes through approval.Service.Vote with channel
//     slack (audited as every vote), and updates the message with the
//     outcome. A Slack user linked to no member of that tenant votes
//     nothing.
//   - Linker links (pending), confirms (the Handler's confirm button, from
//     the link's own team and user, within PendingFor) and unlinks a member
//     (the portal's settings page).
//
// Every call to Slack goes through an egress.Policy client: Slack's API is
// public, and a private address (a test server) needs the operator's
// allow setting.
package slackapp
