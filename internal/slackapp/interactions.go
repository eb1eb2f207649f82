package slackapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/slack-go/slack"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/httpx"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// InteractionsPath is where Slack sends the app's interactions (the app's
// "Request URL" under Interactivity).
const InteractionsPath = "/slack/interactions"

// maxBody bounds an interaction's body; Slack's are a few kilobytes.
const maxBody = 256 << 10

// Voter is the vote path every channel shares: approval.Service.
type Voter interface {
	Requests
	Vote(ctx context.Context, b approval.Ballot) (approval.Outcome, error)
}

// HandlerStore is what the handler reads: the request a button names, and
// the member a Slack user is linked to.
type HandlerStore interface {
	Members
	UnlockRequest(ctx context.Context, id string) (store.UnlockRequest, error)
}

// Handler serves POST /slack/interactions. It is safe for concurrent use.
type Handler struct {
	API           *slack.Client
	SigningSecret string
	Store         HandlerStore
	Votes         Voter
	Links         *Linker // confirms pending links
	Log           *slog.Logger
}

// Register adds the route to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("POST "+InteractionsPath, httpx.Wrap(h.log(), h.serve))
}

// serve verifies the request is Slack's, then acts on the button pressed.
// Refusals after the signature are told to the Slack user in an ephemeral
// message (Slack shows nothing of the HTTP answer) and answered 200; what
// the vote path refuses is audited by nothing, as the vote never happened.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return httpx.Errorf(http.StatusRequestEntityTooLarge, "invalid_request", "the body is larger than %d bytes", maxBody)
	}
	sv, err := slack.NewSecretsVerifier(r.Header, h.SigningSecret)
	if err == nil {
		sv.Write(body)
		err = sv.Ensure()
	}
	if err != nil {
		h.log().Warn("slack: interaction refused", "err", err, "remote", r.RemoteAddr)
		return httpx.Errorf(http.StatusUnauthorized, "unauthenticated", "not a request signed by Slack within the last five minutes")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return httpx.Errorf(http.StatusBadRequest, "invalid_request", "the body is not a form: %v", err)
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		return httpx.Errorf(http.StatusBadRequest, "invalid_request", "the payload is not an interaction: %v", err)
	}
	if cb.Type != slack.InteractionTypeBlockActions {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	for _, a := range cb.ActionCallback.BlockActions {
		if a.ActionID == ActionApprove || a.ActionID == ActionDeny {
			h.vote(r.Context(), cb, a)
			break
		}
		if a.ActionID == ActionConfirmLink {
			h.confirm(r.Context(), cb, a)
			break
		}
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// vote casts the vote of the member linked to the Slack user who pressed
// a, in the tenant of the request a names.
func (h *Handler) vote(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) {
	q, err := h.Store.UnlockRequest(ctx, a.Value)
	if err != nil {
		h.tell(ctx, cb, "deadbolt does not know this request.", err)
		return
	}
	link, err := h.Store.SlackMember(ctx, q.TenantID, cb.Team.ID, cb.User.ID)
	if err != nil {
		h.tell(ctx, cb, "Your Slack account is not linked to a deadbolt member of this organisation: link it on your deadbolt Notifications page. Nothing was voted.", err)
		return
	}
	if !link.Confirmed() {
		h.tell(ctx, cb, "Your Slack link is not confirmed yet: press Confirm in the message deadbolt sent you, or link again on your deadbolt Notifications page. Nothing was voted.", store.ErrNotFound)
		return
	}
	member, err := h.Store.Member(ctx, link.MemberID)
	if err != nil || member.TenantID != q.TenantID {
		h.tell(ctx, cb, "Your deadbolt member could not be read. Nothing was voted.", errors.Join(err, store.ErrNotFound))
		return
	}
	approve := a.ActionID == ActionApprove
	out, err := h.Votes.Vote(ctx, approval.Ballot{RequestID: q.ID, Voter: member, Approve: approve,
		Channel: approval.ChannelSlack, Actor: "member:" + member.Email, Comment: "from Slack"})
	if err != nil {
		h.refused(ctx, cb, q, member, err)
		return
	}
	it, err := h.Votes.Show(ctx, q.TenantID, q.ID, member)
	if err != nil {
		h.log().Error("slack: read the request after a vote", "request", q.ID, "err", err)
		return
	}
	h.update(ctx, cb, outcomeBlocks(it, outcomeLine(approve, out, it)))
}

// confirm activates the pending link the pressed button names, when the
// Slack user who pressed it is the link's.
func (h *Handler) confirm(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) {
	if h.Links == nil {
		h.tell(ctx, cb, "deadbolt cannot confirm links here. Nothing was linked.", ErrLinkRefused)
		return
	}
	if _, err := h.Links.Confirm(ctx, cb.Team.ID, cb.User.ID, a.Value); err != nil {
		h.tell(ctx, cb, "deadbolt did not link this Slack account: "+err.Error()+". Nothing was linked.", err)
		return
	}
	h.update(ctx, cb, []slack.Block{slack.NewSectionBlock(plain("Linked: deadbolt requests you may vote on come to you here.", 200), nil, nil)})
}

// outcomeLine says what the vote did.
func outcomeLine(approve bool, out approval.Outcome, it approval.Item) string {
	you := "You denied."
	if approve {
		you = "You approved."
	}
	switch {
	case out.Decided && out.Request.Status == store.RequestApproved && out.Grant != nil:
		return you + " The request is approved: the account is open until " + out.Grant.Until.UTC().Format(time.RFC3339) + "."
	case out.Decided && out.Request.Status == store.RequestApproved:
		return you + " The request is approved: the account opens at " + out.Request.StartsAt.UTC().Format(time.RFC3339) + "."
	case out.Decided:
		return you + " The request is denied."
	}
	return fmt.Sprintf("%s %d of %d approvals so far.", you, it.Approvals, it.Rule.Required)
}

// refused tells the Slack user why their vote was not counted; a request
// that is no longer open also loses its buttons.
func (h *Handler) refused(ctx context.Context, cb slack.InteractionCallback, q store.UnlockRequest, m store.Member, err error) {
	switch {
	case errors.Is(err, access.ErrRequestClosed):
		if it, serr := h.Votes.Show(ctx, q.TenantID, q.ID, m); serr == nil {
			h.update(ctx, cb, outcomeBlocks(it, "This request is no longer open ("+it.Request.Status+"). Nothing was voted."))
		}
		h.tell(ctx, cb, "This request is no longer open. Nothing was voted.", err)
	case errors.Is(err, store.ErrConflict):
		h.tell(ctx, cb, "You have already voted on this request.", err)
	case errors.Is(err, approval.ErrSignatureRequired):
		h.tell(ctx, cb, "This policy needs a passkey-signed approval: sign it in the deadbolt portal. Nothing was voted.", err)
	case errors.Is(err, approval.ErrSelfApproval), errors.Is(err, approval.ErrNotApprover):
		h.tell(ctx, cb, "You cannot vote on this request: "+err.Error()+". Nothing was voted.", err)
	default:
		h.log().Error("slack: vote failed", "request", q.ID, "member", m.ID, "err", err)
		h.tell(ctx, cb, "deadbolt could not record your vote; try again or use the portal.", err)
	}
}

// tell answers the Slack user alone, in the conversation of the message.
func (h *Handler) tell(ctx context.Context, cb slack.InteractionCallback, text string, cause error) {
	h.log().Info("slack: interaction refused", "team", cb.Team.ID, "user", cb.User.ID, "reason", text, "err", cause)
	if _, err := h.API.PostEphemeralContext(ctx, cb.Channel.ID, cb.User.ID, slack.MsgOptionText(text, false)); err != nil {
		h.log().Warn("slack: ephemeral answer failed", "err", classify("chat.postEphemeral", err))
	}
}

// update replaces the message whose button was pressed.
func (h *Handler) update(ctx context.Context, cb slack.InteractionCallback, blocks []slack.Block) {
	ts := cb.Container.MessageTs
	if ts == "" {
		ts = cb.Message.Timestamp
	}
	if _, _, _, err := h.API.UpdateMessageContext(ctx, cb.Channel.ID, ts, slack.MsgOptionBlocks(blocks...),
		slack.MsgOptionText("deadbolt request", false)); err != nil {
		h.log().Warn("slack: message update failed", "err", classify("chat.update", err))
	}
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}
