package api_test

import (
	"encoding/json"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/api"
)

// TestTextDecoding pins how a body field of type Text reads each kind of
// JSON value, inside a body as the lock check decodes it.
func TestTextDecoding(t *testing.T) {
	tests := []struct {
		value string
		want  api.Text
	}{
		{`"203.0.113.7"`, "203.0.113.7"},
		{`""`, ""},
		{`"Zoë 山田"`, "Zoë 山田"},
		{`"a\"b\\c\/d\n\u00e9\ud83d\ude00"`, "a\"b\\c/d\né😀"},
		{`"bad ` + "\xff" + ` utf-8"`, "bad \uFFFD utf-8"},
		{`"lone \ud800 surrogate"`, "lone \uFFFD surrogate"},
		{`null`, ""},
		{`5`, "5"},
		{`-1.5e3`, "-1.5e3"},
		{`true`, "true"},
		{`{ "a" : [1, 2] }`, `{"a":[1,2]}`},
		{`[ "x" ]`, `["x"]`},
	}
	for _, tt := range tests {
		var body api.CheckBody
		if err := json.Unmarshal([]byte(`{"userIP":`+tt.value+`}`), &body); err != nil {
			t.Errorf("%s: %v", tt.value, err)
			continue
		}
		if body.UserIP != tt.want {
			t.Errorf("%s: got %q, want %q", tt.value, body.UserIP, tt.want)
		}
	}
	// Called directly on bytes that are not one JSON value, it refuses
	// them as json.Unmarshal does.
	for _, bad := range []string{`"`, `"abc`, `"a"b"`, "\"a\nb\"", `"\q"`, `{`, ``} {
		var txt api.Text
		if err := txt.UnmarshalJSON([]byte(bad)); err == nil {
			t.Errorf("UnmarshalJSON(%q) = %q, want an error", bad, txt)
		}
	}
}
