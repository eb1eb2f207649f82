package webhook

import "time"

// TypeApprovalDecided is sent when an approval request for an operation
// (NL3 approvalRequest) is approved, denied or expires. Only webhooks that
// name it in their events receive it: a webhook that names none receives
// the account events alone, so receivers written for those (the
// deadbolt-iam Lambda) never see it.
const TypeApprovalDecided = "approval.decided"

// ApprovalEvent is the body of an approval.decided delivery, signed and
// sent like an Event (same headers, same scheme):
//
//	{"id":"evt_…","type":"approval.decided","at":"…","tenant":"acme",
//	 "data":{"requestId":"…","templateId":"PURCHASE_APPROVAL",
//	 "application":"https://app.example.com","subject":"alice",
//	 "status":"approved","decisions":[{"approver":"bob@acme.test",
//	 "decision":"approve","signed":true,"at":"…"}]}}
type ApprovalEvent struct {
	ID     string       `json:"id"`
	Type   string       `json:"type"` // TypeApprovalDecided
	At     time.Time    `json:"at"`
	Tenant string       `json:"tenant"`
	Data   ApprovalData `json:"data"`
}

// ApprovalData is a decided approval request, in the words of NL3's
// approvalRequest answer (requestId, status, decisions).
type ApprovalData struct {
	RequestID   string `json:"requestId"`
	TemplateID  string `json:"templateId"` // the template's key
	Application string `json:"application"`
	// Subject is the user at the application the request was about (the
	// asking token's sub).
	Subject   string     `json:"subject"`
	Status    string     `json:"status"` // approved, denied or expired
	Decisions []Decision `json:"decisions"`
}

// Decision is one approver's vote on an approval request.
type Decision struct {
	Approver string    `json:"approver"` // email
	Decision string    `json:"decision"` // approve or deny
	Comment  string    `json:"comment,omitempty"`
	Signed   bool      `json:"signed"` // passkey-signed (sign_and_approve)
	At       time.Time `json:"at"`
}
