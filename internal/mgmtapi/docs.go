package mgmtapi

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strings"
)

// The paths of the document and of its reference page.
const (
	DocumentPath  = "/api/v1/openapi.json"
	ReferencePath = "/api/v1/docs"
)

//go:embed reference.html
var referenceFS embed.FS

var reference = template.Must(template.ParseFS(referenceFS, "reference.html"))

func (a *API) serveDocument(w http.ResponseWriter, r *http.Request) error {
	doc, err := a.Document()
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(doc)
	return err
}

// refOp is one operation as the reference page shows it.
type refOp struct {
	Method, Path, Summary, Description, Scope, ID string
	Params                                        []refParam
	Request, Response                             string
	Status                                        string
}

type refParam struct{ Name, In, Description string }

type refSchema struct {
	Name        string
	Description string
	Props       []refProp
}

type refProp struct {
	Name, Type string
	Required   bool
}

// serveReference renders the document as a page: no script, nothing
// fetched from elsewhere.
func (a *API) serveReference(w http.ResponseWriter, r *http.Request) error {
	raw, err := a.Document()
	if err != nil {
		return err
	}
	var doc struct {
		Info struct {
			Title, Description string
		}
		Paths      map[string]map[string]json.RawMessage
		Components struct {
			Schemas map[string]struct {
				Description string
				Required    []string
				Properties  map[string]json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return err
	}
	var ops []refOp
	for path, item := range doc.Paths {
		for method, rawOp := range item {
			var o struct {
				Summary, Description, OperationID string
				Scope                             string `json:"x-scope"`
				Parameters                        []refParam
				RequestBody                       struct {
					Content map[string]struct {
						Schema struct {
							Ref string `json:"$ref"`
						}
					}
				}
				Responses map[string]struct {
					Content map[string]struct {
						Schema struct {
							Ref string `json:"$ref"`
						}
					}
				}
			}
			if err := json.Unmarshal(rawOp, &o); err != nil {
				return err
			}
			ro := refOp{Method: strings.ToUpper(method), Path: path, Summary: o.Summary, Description: o.Description,
				Scope: o.Scope, ID: o.OperationID, Params: o.Parameters,
				Request: schemaName(o.RequestBody.Content["application/json"].Schema.Ref)}
			for code, resp := range o.Responses {
				if code != "default" {
					ro.Status, ro.Response = code, schemaName(resp.Content["application/json"].Schema.Ref)
				}
			}
			ops = append(ops, ro)
		}
	}
	slices.SortFunc(ops, func(x, y refOp) int {
		if c := strings.Compare(x.Path, y.Path); c != 0 {
			return c
		}
		return strings.Compare(x.Method, y.Method)
	})
	var schemas []refSchema
	for name, s := range doc.Components.Schemas {
		rs := refSchema{Name: name, Description: s.Description}
		for p, v := range s.Properties {
			rs.Props = append(rs.Props, refProp{Name: p, Type: typeOf(v), Required: slices.Contains(s.Required, p)})
		}
		slices.SortFunc(rs.Props, func(x, y refProp) int { return strings.Compare(x.Name, y.Name) })
		schemas = append(schemas, rs)
	}
	slices.SortFunc(schemas, func(x, y refSchema) int { return strings.Compare(x.Name, y.Name) })
	var buf bytes.Buffer
	if err := reference.Execute(&buf, map[string]any{"Title": doc.Info.Title, "Description": doc.Info.Description,
		"Ops": ops, "Schemas": schemas, "DocumentPath": DocumentPath}); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(buf.Bytes())
	return err
}

func schemaName(ref string) string { return strings.TrimPrefix(ref, "#/components/schemas/") }

// typeOf is a property's type in words: a schema's name, "array of X",
// or its JSON type.
func typeOf(raw json.RawMessage) string {
	var s struct {
		Ref   string `json:"$ref"`
		Type  any
		Enum  []string
		Items *json.RawMessage
	}
	_ = json.Unmarshal(raw, &s)
	switch {
	case s.Ref != "":
		return schemaName(s.Ref)
	case len(s.Enum) > 0:
		return "one of " + strings.Join(s.Enum, ", ")
	case s.Items != nil:
		return "array of " + typeOf(*s.Items)
	}
	switch t := s.Type.(type) {
	case string:
		return t
	case []any:
		var parts []string
		for _, p := range t {
			parts = append(parts, p.(string))
		}
		return strings.Join(parts, " or ")
	}
	return "any JSON"
}
