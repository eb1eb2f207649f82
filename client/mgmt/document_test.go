package mgmt

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// document is docs/openapi.json, which the server's TestOpenAPIGolden
// keeps equal to the document it serves.
func document(t *testing.T) (doc struct {
	Paths map[string]map[string]struct {
		OperationID string `json:"operationId"`
	} `json:"paths"`
	Components struct {
		Schemas map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"schemas"`
	} `json:"components"`
}) {
	b, err := os.ReadFile("../../docs/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// methods names the Client method of each operation of the document.
var methods = map[string]string{
	"get_whoami":                                 "Whoami",
	"get_applications":                           "ListApplications",
	"post_applications":                          "CreateApplication",
	"get_applications_by_id":                     "Application",
	"get_applications_by_id_keys":                "ListKeys",
	"post_applications_by_id_keys":               "CreateKey",
	"post_applications_by_id_keys_by_kid_revoke": "RevokeKey",
	"get_accounts":                               "ListAccounts",
	"post_accounts":                              "Enroll",
	"get_accounts_by_id":                         "Account",
	"post_accounts_by_id_lock":                   "Lock",
	"post_accounts_by_id_unlock":                 "Unlock",
	"get_members":                                "ListMembers",
	"post_members":                               "CreateMember",
	"get_members_by_id":                          "Member",
	"get_groups":                                 "ListGroups",
	"post_groups":                                "CreateGroup",
	"post_groups_by_id_members":                  "AddToGroup",
	"delete_groups_by_id_members_by_member":      "RemoveFromGroup",
	"get_policies":                               "ListPolicies",
	"post_policies":                              "CreatePolicy",
	"get_policies_by_id":                         "Policy",
	"get_requests":                               "ListRequests",
	"post_requests":                              "CreateRequest",
	"get_requests_by_id":                         "Request",
	"post_requests_by_id_approve":                "Approve",
	"post_requests_by_id_deny":                   "Deny",
	"get_templates":                              "ListTemplates",
	"post_templates":                             "CreateTemplate",
	"delete_templates_by_key":                    "DeleteTemplate",
	"get_webhooks":                               "ListWebhooks",
	"post_webhooks":                              "CreateWebhook",
	"delete_webhooks_by_id":                      "DeleteWebhook",
	"get_deliveries":                             "ListDeliveries",
	"get_audit":                                  "ListAudit",
	"get_audit_export":                           "ExportAudit",
	"get_checks":                                 "ListChecks",
	"get_checks_export":                          "ExportChecks",
}

// TestEveryOperationHasAMethod: each operation of the document is a
// method of Client, and the client has no method for an operation the
// document lacks.
func TestEveryOperationHasAMethod(t *testing.T) {
	doc := document(t)
	client := reflect.TypeOf(&Client{})
	var ops []string
	for path, item := range doc.Paths {
		for verb, op := range item {
			ops = append(ops, op.OperationID)
			name, ok := methods[op.OperationID]
			if !ok {
				t.Errorf("%s %s (%s) has no client method: add one and name it in methods", strings.ToUpper(verb), path, op.OperationID)
				continue
			}
			if _, ok := client.MethodByName(name); !ok {
				t.Errorf("%s: Client.%s does not exist", op.OperationID, name)
			}
		}
	}
	for id := range methods {
		if !slices.Contains(ops, id) {
			t.Errorf("methods names %s, which the document does not have", id)
		}
	}
}

// types is the Go type of each schema; Error, Policy (an open document)
// and the pages (Page[T]) have their own checks.
var types = map[string]any{
	"Account": Account{}, "Application": Application{}, "AuditRecord": AuditRecord{}, "Ballot": Ballot{},
	"Check": Check{}, "Delivery": Delivery{}, "Enrollment": Enrollment{}, "Group": Group{},
	"GroupMemberRef": GroupMemberRef{}, "Key": Key{}, "Member": Member{}, "Membership": Membership{},
	"NewApplication": NewApplication{}, "NewGroup": NewGroup{}, "NewKey": NewKey{}, "NewKeyAnswer": NewKeyAnswer{},
	"NewMember": NewMember{}, "NewRequest": NewRequest{}, "NewTemplate": NewTemplate{}, "NewWebhook": NewWebhook{},
	"NewWebhookAnswer": NewWebhookAnswer{}, "Request": Request{}, "Template": Template{}, "Unlock": Unlock{},
	"Vote": Vote{}, "Webhook": Webhook{}, "Whoami": Whoami{},
	"Error": Error{},
}

// TestTypesMatchDocument: each schema's Go type has exactly the schema's
// properties as its JSON fields.
func TestTypesMatchDocument(t *testing.T) {
	doc := document(t)
	for name, s := range doc.Components.Schemas {
		var v any
		switch {
		case name == "Policy":
			continue // json.RawMessage: the policy document is open
		case strings.HasSuffix(name, "Page"):
			v = Page[struct{}]{}
		default:
			var ok bool
			if v, ok = types[name]; !ok {
				t.Errorf("schema %s has no Go type", name)
				continue
			}
		}
		var fields, props []string
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			if tag, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ","); tag != "" && tag != "-" {
				fields = append(fields, tag)
			}
		}
		for p := range s.Properties {
			props = append(props, p)
		}
		slices.Sort(fields)
		slices.Sort(props)
		if !slices.Equal(fields, props) {
			t.Errorf("%s: Go fields %v, schema properties %v", name, fields, props)
		}
	}
	for name := range types {
		if _, ok := doc.Components.Schemas[name]; !ok {
			t.Errorf("type %s has no schema in the document", name)
		}
	}
}
