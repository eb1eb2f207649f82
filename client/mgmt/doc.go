// Package mgmt is a typed Go client for deadbolt's management API
// (/api/v1, docs/api.md): one method per operation of the OpenAPI
// document (docs/openapi.json), one struct per schema. A test checks both
// against the document: every operation has its method, and every struct
// has exactly the fields of its schema.
//
// It depends on the standard library only, and is kept apart from package
// client (the lock check), which stays lean for the services that embed
// it.
//
//	c := mgmt.New("https://deadbolt.example.com", os.Getenv("DEADBOLT_TOKEN"))
//	app, err := c.CreateApplication(ctx, mgmt.NewApplication{Name: "Wiki", Issuer: "https://wiki.example.com"})
package mgmt
