package scim

import (
	"strings"

	lib "github.com/elimity-com/scim"
	"github.com/scim2/filter-parser/v2"
)

// equals reports the value of a filter that is exactly attr eq "value".
func equals(params lib.ListRequestParams, attr string) (string, bool) {
	if params.FilterValidator == nil {
		return "", false
	}
	e, ok := params.FilterValidator.GetFilter().(*filter.AttributeExpression)
	if !ok || e.Operator != filter.EQ || e.AttributePath.URIPrefix != nil || e.AttributePath.SubAttribute != nil ||
		!strings.EqualFold(e.AttributePath.AttributeName, attr) {
		return "", false
	}
	v, ok := e.CompareValue.(string)
	return v, ok
}

// passes reports whether res passes the request's filter (the library
// evaluates it on the resource's attributes, its id and externalId).
func passes(params lib.ListRequestParams, res lib.Resource) bool {
	if params.FilterValidator == nil {
		return true
	}
	attrs := make(map[string]any, len(res.Attributes)+2)
	for k, v := range res.Attributes {
		attrs[k] = v
	}
	attrs["id"] = res.ID
	if res.ExternalID.Present() {
		attrs["externalId"] = res.ExternalID.Value()
	}
	return params.FilterValidator.PassesFilter(attrs) == nil
}

// page cuts the page params asks for (startIndex counts from 1) out of
// every result.
func page(all []lib.Resource, params lib.ListRequestParams) lib.Page {
	start := min(max(params.StartIndex-1, 0), len(all))
	end := min(start+max(params.Count, 0), len(all))
	return lib.Page{TotalResults: len(all), Resources: all[start:end:end]}
}
