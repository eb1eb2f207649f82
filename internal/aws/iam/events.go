package iam

import (
	"encoding/json"
	"strings"
)

// CloudTrail values the handler matches.
const (
	SourceSignIn       = "aws.signin"
	SourceSTS          = "aws.sts"
	SourceSchedule     = "aws.events"
	SourceScheduler    = "aws.scheduler"
	DetailSignIn       = "AWS Console Sign In via CloudTrail"
	DetailAPICall      = "AWS API Call via CloudTrail"
	DetailScheduled    = "Scheduled Event"
	EventConsoleLogin  = "ConsoleLogin"
	HiddenUserName     = "HIDDEN_DUE_TO_SECURITY_REASONS"
	IdentityIAMUser    = "IAMUser"
	IdentityAssumed    = "AssumedRole"
	IdentityRoot       = "Root"
	IdentityAWSService = "AWSService"
)

// assumeEvents are the STS calls that start a role session.
var assumeEvents = map[string]bool{"AssumeRole": true, "AssumeRoleWithSAML": true, "AssumeRoleWithWebIdentity": true}

// Detail is the CloudTrail record an EventBridge CloudTrail event carries
// in its detail (aws-lambda-go has only the envelope).
type Detail struct {
	EventVersion        string          `json:"eventVersion"`
	EventID             string          `json:"eventID"`
	EventTime           string          `json:"eventTime"`
	EventSource         string          `json:"eventSource"`
	EventName           string          `json:"eventName"`
	EventType           string          `json:"eventType"`
	AWSRegion           string          `json:"awsRegion"`
	SourceIPAddress     string          `json:"sourceIPAddress"`
	UserAgent           string          `json:"userAgent"`
	ErrorCode           string          `json:"errorCode"`
	ErrorMessage        string          `json:"errorMessage"`
	RecipientAccountID  string          `json:"recipientAccountId"`
	UserIdentity        UserIdentity    `json:"userIdentity"`
	RequestParameters   json.RawMessage `json:"requestParameters"`
	ResponseElements    json.RawMessage `json:"responseElements"`
	AdditionalEventData map[string]any  `json:"additionalEventData"`
}

// UserIdentity is CloudTrail's userIdentity.
type UserIdentity struct {
	Type           string          `json:"type"`
	PrincipalID    string          `json:"principalId"`
	ARN            string          `json:"arn"`
	AccountID      string          `json:"accountId"`
	AccessKeyID    string          `json:"accessKeyId"`
	UserName       string          `json:"userName"`
	InvokedBy      string          `json:"invokedBy"`
	SessionContext *SessionContext `json:"sessionContext"`
}

// SessionContext is userIdentity.sessionContext of a role session.
type SessionContext struct {
	SessionIssuer struct {
		Type        string `json:"type"`
		PrincipalID string `json:"principalId"`
		ARN         string `json:"arn"`
		AccountID   string `json:"accountId"`
		UserName    string `json:"userName"`
	} `json:"sessionIssuer"`
	Attributes struct {
		MFAAuthenticated string `json:"mfaAuthenticated"`
		CreationDate     string `json:"creationDate"`
	} `json:"attributes"`
}

// consoleLogin returns responseElements.ConsoleLogin ("Success",
// "Failure") of a sign-in event.
func (d Detail) consoleLogin() string {
	var r struct {
		ConsoleLogin string `json:"ConsoleLogin"`
	}
	json.Unmarshal(d.ResponseElements, &r)
	return r.ConsoleLogin
}

// roleARN returns requestParameters.roleArn of an AssumeRole call.
func (d Detail) roleARN() string {
	var r struct {
		RoleARN string `json:"roleArn"`
	}
	json.Unmarshal(d.RequestParameters, &r)
	return r.RoleARN
}

// roleSessionRole returns the role of an AssumedRole identity: the session
// issuer's name, else the role segment of an sts assumed-role ARN.
func (u UserIdentity) roleSessionRole() string {
	if u.SessionContext != nil && u.SessionContext.SessionIssuer.UserName != "" {
		return u.SessionContext.SessionIssuer.UserName
	}
	// arn:aws:sts::123456789012:assumed-role/ROLE/SESSION
	if _, rest, ok := strings.Cut(u.ARN, ":assumed-role/"); ok {
		role, _, _ := strings.Cut(rest, "/")
		return role
	}
	return ""
}

// roleName returns the name of an IAM role ARN (the last path segment) and
// whether the role is service-linked.
func roleName(arn string) (name string, serviceLinked bool) {
	_, rest, ok := strings.Cut(arn, ":role/")
	if !ok {
		return "", false
	}
	serviceLinked = strings.HasPrefix(rest, "aws-service-role/")
	return rest[strings.LastIndex(rest, "/")+1:], serviceLinked
}

func (d Detail) mfaUsed() string {
	if v, ok := d.AdditionalEventData["MFAUsed"].(string); ok {
		return v
	}
	return ""
}
