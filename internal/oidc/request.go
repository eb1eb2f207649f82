package oidc

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// The acr values this provider answers.
const (
	// ACRPasskey: a user-verified passkey, during this request.
	ACRPasskey = "urn:deadbolt:acr:passkey"
	// ACRPasskeyUnlocked: ACRPasskey, and the account at the client's
	// application is unlocked (or was unlocked in the same step).
	ACRPasskeyUnlocked = "urn:deadbolt:acr:passkey+unlocked"
)

// AMR is the authentication methods of every step-up (RFC 8176): a
// hardware-bound key, user presence, and, with user verification, more
// than one factor.
var AMR = []string{"hwk", "user", "mfa"}

// document is a request in flight as stored (store.OIDCRequest.Document).
type document struct {
	Request  *oidc.AuthRequest `json:"request"`
	TenantID string            `json:"tenant_id"`
	// Ceremony is the WebAuthn state between the page's begin and finish.
	Ceremony        []byte    `json:"ceremony,omitempty"`
	CeremonyExpires time.Time `json:"ceremony_expires,omitzero"`
	// Set once the passkey was verified: who, when, the account at the
	// client's application, and the hash of the step's one-time secret.
	MemberID   string    `json:"member_id,omitempty"`
	AuthTime   time.Time `json:"auth_time,omitzero"`
	Account    string    `json:"account,omitempty"`
	SecretHash string    `json:"secret_hash,omitempty"`
	// ACR is what was achieved; Done: the step is complete and the
	// callback may issue a code.
	ACR  string `json:"acr,omitempty"`
	Done bool   `json:"done,omitempty"`
	// Refused ends the step without a code: the callback sends the
	// client access_denied with this description.
	Refused string `json:"refused,omitempty"`
}

// authRequest is a stored request as the op package sees it.
type authRequest struct {
	id  string
	doc document
}

var _ op.AuthRequest = (*authRequest)(nil)

func decode(id string, raw []byte) (*authRequest, error) {
	a := &authRequest{id: id}
	if err := json.Unmarshal(raw, &a.doc); err != nil {
		return nil, err
	}
	if a.doc.Request == nil {
		a.doc.Request = &oidc.AuthRequest{}
	}
	return a, nil
}

func (a *authRequest) GetID() string { return a.id }
func (a *authRequest) GetACR() string {
	return a.doc.ACR
}
func (a *authRequest) GetAMR() []string {
	if a.doc.Done {
		return slices.Clone(AMR)
	}
	return nil
}
func (a *authRequest) GetAudience() []string              { return []string{a.doc.Request.ClientID} }
func (a *authRequest) GetAuthTime() time.Time             { return a.doc.AuthTime }
func (a *authRequest) GetClientID() string                { return a.doc.Request.ClientID }
func (a *authRequest) GetNonce() string                   { return a.doc.Request.Nonce }
func (a *authRequest) GetRedirectURI() string             { return a.doc.Request.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType { return a.doc.Request.ResponseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return a.doc.Request.ResponseMode }
func (a *authRequest) GetScopes() []string                { return a.doc.Request.Scopes }
func (a *authRequest) GetState() string                   { return a.doc.Request.State }
func (a *authRequest) GetSubject() string                 { return a.doc.MemberID }
func (a *authRequest) Done() bool                         { return a.doc.Done }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.doc.Request.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.doc.Request.CodeChallenge, Method: a.doc.Request.CodeChallengeMethod}
}

// wantedACR is the acr the request asks for: the strongest of its
// acr_values this provider knows, else ACRPasskey (acr_values are
// voluntary claims: the relying party checks what it gets).
func (d document) wantedACR() string {
	if slices.Contains(d.Request.ACRValues, ACRPasskeyUnlocked) {
		return ACRPasskeyUnlocked
	}
	return ACRPasskey
}
