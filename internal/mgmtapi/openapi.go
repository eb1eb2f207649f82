package mgmtapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// The OpenAPI 3.1 document is built from the route table and the
// operation table below, so a route cannot be served without being
// documented (New panics on a route without an op), and the API tests
// validate every answer they get against it.

// op is how the document describes one route.
type op struct {
	request  string // schema of the JSON body; "" for none
	response string // schema of the success answer
	status   int    // the success status
	// stream: the answer is a stream of response records, as JSONL
	// (application/x-ndjson) or CSV (text/csv), not one JSON document.
	stream bool
	query  []param
}

type param struct {
	name, description string
}

var (
	pageParams = []param{{"cursor", "next_cursor of the previous page"}, {"limit", "page size, 1 to 1000 (default 100)"}}
)

// ops describes every route, by method and path.
var ops = map[string]op{
	"GET /api/v1/whoami":                               {response: "Whoami", status: 200},
	"GET /api/v1/applications":                         {response: "ApplicationPage", status: 200, query: pageParams},
	"POST /api/v1/applications":                        {request: "NewApplication", response: "Application", status: 201},
	"GET /api/v1/applications/{id}":                    {response: "Application", status: 200},
	"GET /api/v1/applications/{id}/keys":               {response: "KeyPage", status: 200, query: pageParams},
	"POST /api/v1/applications/{id}/keys":              {request: "NewKey", response: "NewKeyAnswer", status: 201},
	"POST /api/v1/applications/{id}/keys/{kid}/revoke": {response: "Key", status: 200},
	"GET /api/v1/accounts": {response: "AccountPage", status: 200, query: append([]param{
		{"application", "only this application's accounts (its ID)"},
		{"state", "locked or unlocked, as a lock check would answer now"},
		{"owner", "only the accounts of the member with this email"}}, pageParams...)},
	"POST /api/v1/accounts":                       {request: "Enrollment", response: "Account", status: 201},
	"GET /api/v1/accounts/{id}":                   {response: "Account", status: 200},
	"POST /api/v1/accounts/{id}/lock":             {response: "Account", status: 200},
	"POST /api/v1/accounts/{id}/unlock":           {request: "Unlock", response: "Account", status: 200},
	"GET /api/v1/members":                         {response: "MemberPage", status: 200, query: pageParams},
	"POST /api/v1/members":                        {request: "NewMember", response: "Member", status: 201},
	"GET /api/v1/members/{id}":                    {response: "Member", status: 200},
	"GET /api/v1/groups":                          {response: "GroupPage", status: 200, query: pageParams},
	"POST /api/v1/groups":                         {request: "NewGroup", response: "Group", status: 201},
	"POST /api/v1/groups/{id}/members":            {request: "GroupMemberRef", response: "Membership", status: 200},
	"DELETE /api/v1/groups/{id}/members/{member}": {response: "Membership", status: 200},
	"GET /api/v1/policies":                        {response: "PolicyPage", status: 200, query: pageParams},
	"POST /api/v1/policies":                       {request: "Policy", response: "Policy", status: 201},
	"GET /api/v1/policies/{id}":                   {response: "Policy", status: 200},
	"GET /api/v1/webhooks":                        {response: "WebhookPage", status: 200, query: pageParams},
	"POST /api/v1/webhooks":                       {request: "NewWebhook", response: "NewWebhookAnswer", status: 201},
	"DELETE /api/v1/webhooks/{id}":                {response: "Webhook", status: 200},
	"GET /api/v1/deliveries":                      {response: "DeliveryPage", status: 200, query: pageParams},
	"GET /api/v1/requests": {response: "RequestPage", status: 200, query: append([]param{
		{"state", "open (default: pending and not run out), approved, denied, expired (run out, decided or not) or all"}}, pageParams...)},
	"POST /api/v1/requests":              {request: "NewRequest", response: "Request", status: 201},
	"GET /api/v1/requests/{id}":          {response: "Request", status: 200},
	"POST /api/v1/requests/{id}/approve": {request: "Ballot", response: "Request", status: 200},
	"POST /api/v1/requests/{id}/deny":    {request: "Ballot", response: "Request", status: 200},
	"GET /api/v1/templates":              {response: "TemplatePage", status: 200, query: pageParams},
	"POST /api/v1/templates":             {request: "NewTemplate", response: "Template", status: 201},
	"DELETE /api/v1/templates/{key}":     {response: "Template", status: 200},
	"GET /api/v1/audit/export": {response: "AuditRecord", status: 200, stream: true, query: []param{
		{"format", "jsonl (default: one record a line, as deadbolt audit verify --file reads) or csv"},
		{"action", "only this action, or a prefix ending in * (account.*)"},
		{"actor", "only this actor"}, {"target", "only this target, or a prefix ending in *"},
		{"since", "only records at or after this RFC 3339 time"}, {"until", "only records before this RFC 3339 time"}}},
	"GET /api/v1/audit": {response: "AuditPage", status: 200, query: append([]param{
		{"action", "only records of this action, e.g. account.unlocked"},
		{"actor", "only records of this actor, e.g. api-token:ID"}}, pageParams...)},
	"GET /api/v1/checks": {response: "CheckPage", status: 200, query: append([]param{
		{"application", "the application's ID (required)"},
		{"since", "only checks at or after this RFC 3339 time"},
		{"until", "only checks before this RFC 3339 time (default: now)"}}, pageParams...)},
	"GET /api/v1/checks/export": {response: "Check", status: 200, stream: true, query: []param{
		{"application", "the application's ID (required)"},
		{"format", "jsonl (default: one check a line) or csv"},
		{"since", "only checks at or after this RFC 3339 time"},
		{"until", "only checks before this RFC 3339 time (default: now)"}}},
}

// JSON Schema helpers.
type obj = map[string]any

func str() obj         { return obj{"type": "string"} }
func boolean() obj     { return obj{"type": "boolean"} }
func integer() obj     { return obj{"type": "integer"} }
func optTime() obj     { return obj{"type": []string{"string", "null"}, "format": "date-time"} }
func strs() obj        { return obj{"type": "array", "items": str()} }
func ref(n string) obj { return obj{"$ref": "#/components/schemas/" + n} }

// record is a closed object: every property listed, the required ones
// always present, nothing else.
func record(required []string, props obj) obj {
	return obj{"type": "object", "required": required, "properties": props, "additionalProperties": false}
}

// input is an open request object: unknown fields are ignored.
func input(required []string, props obj) obj {
	o := obj{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

func pageOf(item string) obj {
	return record([]string{"items", "next_cursor"}, obj{"items": obj{"type": "array", "items": ref(item)},
		"next_cursor": obj{"type": "string", "description": `pass as ?cursor= for the next page; "" on the last`}})
}

func schemas() obj {
	account := obj{"id": str(), "account": str(), "app_id": str(), "owner_id": str(), "locked": boolean(),
		"status": str(), "message": str(), "created_at": optTime(), "until": optTime(), "once": boolean(),
		"changed": boolean(), "grant_id": str()}
	app := obj{"id": str(), "name": str(), "issuer": str(), "unenrolled": obj{"enum": []string{"allow", "deny"}},
		"fail_mode": obj{"enum": []string{"open", "closed"}}, "enabled": boolean(), "locked_down": boolean(),
		"default_unlock_seconds": integer(), "max_unlock_seconds": integer(), "created_at": optTime()}
	appReq := []string{"id", "name", "issuer", "unenrolled", "fail_mode", "enabled", "locked_down",
		"default_unlock_seconds", "max_unlock_seconds", "created_at"}
	key := obj{"kid": str(), "app_id": str(), "algorithm": str(), "created_at": optTime(), "expires_at": optTime(),
		"revoked_at": optTime(), "last_used_at": optTime()}
	keyReq := []string{"kid", "app_id", "algorithm", "created_at", "expires_at", "revoked_at", "last_used_at"}
	newKey := obj{"secret": obj{"type": "string", "description": "base64; shown in this answer only"}}
	for k, v := range key {
		newKey[k] = v
	}
	webhook := obj{"id": str(), "url": str(), "events": strs(), "created_at": optTime()}
	newWebhook := obj{"secret": obj{"type": "string", "description": "the signing secret; shown in this answer only"}}
	for k, v := range webhook {
		newWebhook[k] = v
	}
	return obj{
		"Error": record([]string{"error", "message"}, obj{
			"error":   obj{"type": "string", "description": "stable code, e.g. unauthenticated, insufficient_scope, not_found, invalid"},
			"message": obj{"type": "string", "description": "what went wrong, for people"}}),
		"Whoami": record([]string{"token_id", "name", "tenant_id", "tenant", "role", "scopes", "expires_at"}, obj{
			"token_id": str(), "name": str(), "tenant_id": str(), "tenant": str(), "role": str(), "scopes": strs(),
			"expires_at": optTime()}),
		"Application":     record(appReq, app),
		"ApplicationPage": pageOf("Application"),
		"NewApplication": input([]string{"name", "issuer"}, obj{"name": str(), "issuer": str(),
			"unenrolled": obj{"enum": []string{"allow", "deny"}}, "fail_mode": obj{"enum": []string{"open", "closed"}},
			"default_unlock_seconds": integer(), "max_unlock_seconds": integer()}),
		"Key":          record(keyReq, key),
		"KeyPage":      pageOf("Key"),
		"NewKey":       input(nil, obj{"expires_at": obj{"type": "string", "format": "date-time"}}),
		"NewKeyAnswer": record(append(keyReq, "secret"), newKey),
		"Account":      record([]string{"id", "account", "app_id", "owner_id", "locked", "status", "message", "created_at"}, account),
		"AccountPage":  pageOf("Account"),
		"Enrollment": input([]string{"application", "account"}, obj{"application": obj{"type": "string", "description": "ID or issuer"},
			"account": str(), "owner": obj{"type": "string", "description": "the owner's email; a new member is made for a new email"}}),
		"Unlock": input(nil, obj{"for_seconds": integer(), "once": boolean(), "reason": str()}),
		"Member": record([]string{"id", "email", "name", "role", "lock_everything", "locked_down", "email_verified", "created_at"},
			obj{"id": str(), "email": str(), "name": str(), "role": str(), "lock_everything": boolean(), "locked_down": boolean(),
				"email_verified": boolean(), "created_at": optTime()}),
		"MemberPage": pageOf("Member"),
		"NewMember": input([]string{"email"}, obj{"email": str(), "name": str(),
			"role": obj{"enum": []string{"admin", "approver", "member", "auditor"}}}),
		"Group": record([]string{"id", "name", "description", "member_ids", "created_at"}, obj{"id": str(), "name": str(),
			"description": str(), "member_ids": strs(), "created_at": optTime()}),
		"GroupPage":      pageOf("Group"),
		"NewGroup":       input([]string{"name"}, obj{"name": str(), "description": str()}),
		"GroupMemberRef": input([]string{"member"}, obj{"member": obj{"type": "string", "description": "the member's ID or email"}}),
		"Membership":     record([]string{"group_id", "member_id"}, obj{"group_id": str(), "member_id": str()}),
		"Policy": obj{"type": "object", "required": []string{"name", "type", "action"},
			"description": "a JIT policy document; see docs/policies.md for its fields",
			"properties": obj{"id": str(), "name": str(), "type": obj{"enum": []string{"scheduled", "context", "alert", "approval"}},
				"action": str(), "enabled": boolean(), "assign": obj{"type": "object"}}},
		"PolicyPage":       pageOf("Policy"),
		"Webhook":          record([]string{"id", "url", "events", "created_at"}, webhook),
		"WebhookPage":      pageOf("Webhook"),
		"NewWebhook":       input([]string{"url"}, obj{"url": str(), "events": strs()}),
		"NewWebhookAnswer": record([]string{"id", "url", "events", "created_at", "secret"}, newWebhook),
		"Delivery": record([]string{"id", "channel", "webhook_id", "member_id", "type", "created_at", "attempts", "delivered_at", "failed_at", "last_error"},
			obj{"id": str(), "channel": str(), "webhook_id": str(), "member_id": str(), "type": str(), "created_at": optTime(),
				"attempts": integer(), "delivered_at": optTime(), "failed_at": optTime(), "last_error": str()}),
		"DeliveryPage": pageOf("Delivery"),
		"AuditRecord": record([]string{"tenant", "seq", "at", "actor", "action", "target", "data", "prev_hash", "hash"},
			obj{"tenant": str(), "seq": integer(), "at": obj{"type": "string", "format": "date-time"}, "actor": str(),
				"action": str(), "target": str(), "data": obj{}, "prev_hash": str(), "hash": str()}),
		"AuditPage": pageOf("AuditRecord"),
		"Check": record([]string{"id", "app_id", "kid", "account", "at", "locked", "status", "ip", "device", "location", "integration_type"},
			obj{"id": str(), "app_id": str(), "kid": str(), "account": str(), "at": optTime(), "locked": boolean(),
				"status": str(), "ip": str(), "device": str(), "location": str(), "integration_type": str()}),
		"CheckPage": pageOf("Check"),
		"Request": record([]string{"id", "status", "kind", "account_id", "account", "app_id", "requester_id", "reason",
			"duration_seconds", "starts_at", "expires_at", "policy_id", "required", "approvals", "sign", "approver_ids",
			"votes", "grant_id", "created_at"}, obj{"id": str(),
			"status": obj{"enum": []string{"pending", "approved", "denied", "expired"}},
			"kind":   obj{"enum": []string{"signin", "ahead", "extend"}}, "account_id": str(), "account": str(), "app_id": str(),
			"requester_id": obj{"type": "string", "description": `the member who asked; "" for a request a blocked sign-in raised`},
			"reason":       str(), "duration_seconds": integer(), "starts_at": optTime(), "expires_at": optTime(), "policy_id": str(),
			"required": integer(), "approvals": integer(), "sign": boolean(), "approver_ids": strs(),
			"votes": obj{"type": "array", "items": ref("Vote")}, "grant_id": str(), "created_at": optTime(),
			"decided": obj{"type": "boolean", "description": "after a vote: whether this vote decided the request"}}),
		"RequestPage": pageOf("Request"),
		"Vote": record([]string{"member_id", "decision", "channel", "comment", "signed", "at"}, obj{"member_id": str(),
			"decision": obj{"enum": []string{"approve", "deny"}}, "channel": str(), "comment": str(), "signed": boolean(), "at": optTime()}),
		"NewRequest": input([]string{"application", "account", "as", "reason"}, obj{
			"application": obj{"type": "string", "description": "ID or issuer"}, "account": str(),
			"as":     obj{"type": "string", "description": "the member asking (the account's owner or an admin), by email or ID"},
			"reason": str(), "for_seconds": integer(),
			"start": obj{"type": "string", "format": "date-time", "description": "open no earlier than this instant"}}),
		"Ballot": input([]string{"as"}, obj{
			"as":      obj{"type": "string", "description": "the approver voting, by email or ID"},
			"comment": str()}),
		"Template": record([]string{"id", "key", "title", "text", "approver_ids", "approver_group_ids", "mode", "created_at"},
			obj{"id": str(), "key": str(), "title": str(), "text": str(), "approver_ids": strs(), "approver_group_ids": strs(),
				"mode": str(), "created_at": optTime()}),
		"TemplatePage": pageOf("Template"),
		"NewTemplate": input([]string{"key", "title"}, obj{"key": obj{"type": "string", "description": "PURCHASE_APPROVAL: capitals, digits and _"},
			"title": str(), "text": obj{"type": "string", "description": "with ${key} placeholders filled from a request's metaData"},
			"approvers":       obj{"type": "array", "items": str(), "description": "approvers' emails"},
			"approver_groups": obj{"type": "array", "items": str(), "description": "groups' names or IDs"},
			"mode":            obj{"enum": []string{"approve", "sign_and_approve"}}}),
	}
}

var pathParam = regexp.MustCompile(`\{([a-z]+)\}`)

// Document is the OpenAPI 3.1 document of the API.
func (a *API) Document() ([]byte, error) {
	paths := obj{}
	errorOf := func(what string) obj {
		return obj{"description": what + ", in the one error shape",
			"content": obj{"application/json": obj{"schema": ref("Error")}}}
	}
	for _, rt := range a.routes {
		o, ok := ops[rt.Method+" "+rt.Path]
		if !ok {
			return nil, fmt.Errorf("route %s %s has no OpenAPI operation", rt.Method, rt.Path)
		}
		var params []obj
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, obj{"name": m[1], "in": "path", "required": true, "schema": str()})
		}
		for _, q := range o.query {
			params = append(params, obj{"name": q.name, "in": "query", "description": q.description, "schema": str()})
		}
		desc := rt.Summary + "."
		if rt.Scope != "" {
			desc += " Needs the scope `" + rt.Scope + "`."
		}
		content := obj{"application/json": obj{"schema": ref(o.response)}}
		if o.stream {
			content = obj{
				"application/x-ndjson": obj{"schema": obj{"type": "array", "items": ref(o.response),
					"description": "one " + o.response + " a line (JSON Lines)"}},
				"text/csv": obj{"schema": obj{"type": "string", "description": "the same fields as columns, with a header row"}},
			}
		}
		operation := obj{"summary": rt.Summary, "description": desc, "operationId": operationID(rt),
			"x-scope": rt.Scope,
			"responses": obj{
				fmt.Sprint(o.status): obj{"description": http.StatusText(o.status), "content": content},
				"4XX": errorOf("a refusal: unauthenticated (401), insufficient_scope (403), not_found (404), " +
					"invalid (400), a conflict (409, 422) or rate_limited (429, with Retry-After)"),
				"default": errorOf("a server error"),
			}}
		if rt.Method == http.MethodPost {
			params = append(params, obj{"name": "Idempotency-Key", "in": "header", "schema": str(),
				"description": "answer this POST once; the same key again replays the first answer"})
		}
		if len(params) > 0 {
			operation["parameters"] = params
		}
		if o.request != "" {
			operation["requestBody"] = obj{"required": true, "content": obj{"application/json": obj{"schema": ref(o.request)}}}
		}
		item, _ := paths[rt.Path].(obj)
		if item == nil {
			item = obj{}
			paths[rt.Path] = item
		}
		item[strings.ToLower(rt.Method)] = operation
	}
	doc := obj{
		"openapi": "3.1.0",
		"info": obj{"title": "deadbolt management API", "version": "1",
			"description": "JSON REST over a tenant's applications, keys, accounts, members, groups, policies, webhooks, " +
				"deliveries, audit trail and check log. Authenticate with an API token (deadbolt api-token create) " +
				"as Authorization: Bearer, x-nl3-api-token or x-nl3-server-api-token. See docs/api.md."},
		"security": []obj{{"bearer": []string{}}, {"nl3ApiToken": []string{}}, {"nl3ServerApiToken": []string{}}},
		"servers":  []obj{{"url": "/", "description": "the deadbolt server that serves this document"}},
		"paths":    paths,
		"components": obj{
			"schemas": schemas(),
			"securitySchemes": obj{
				"bearer":            obj{"type": "http", "scheme": "bearer"},
				"nl3ApiToken":       obj{"type": "apiKey", "in": "header", "name": "x-nl3-api-token"},
				"nl3ServerApiToken": obj{"type": "apiKey", "in": "header", "name": "x-nl3-server-api-token"},
			},
		},
	}
	return json.MarshalIndent(doc, "", "  ")
}

// operationID is a route's name in the document: method and path words.
func operationID(rt Route) string {
	parts := []string{strings.ToLower(rt.Method)}
	for _, p := range strings.Split(strings.TrimPrefix(rt.Path, "/api/v1/"), "/") {
		if strings.HasPrefix(p, "{") {
			p = "by_" + strings.Trim(p, "{}")
		}
		parts = append(parts, strings.ReplaceAll(p, "-", "_"))
	}
	return strings.Join(parts, "_")
}
