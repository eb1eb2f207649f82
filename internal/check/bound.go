package check

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Caps on the context a check keeps, in bytes. A check's context comes from
// the end user's side (through Cognito, validationData is the browser's), so
// without caps anyone could fill the check log's disk at up to a body's
// size per sign-in attempt.
const (
	MaxIP              = 64
	MaxDevice          = 512
	MaxLocation        = 256
	MaxIntegrationType = 64
	// MaxIntegrationData bounds integrationData as compact JSON; larger
	// data is replaced by a marker (see Bound).
	MaxIntegrationData = 4 << 10
)

// Bound returns r with its context capped: IP, Device, Location and
// IntegrationType are cut to their caps (at a character boundary, ending in
// "…" when cut, NUL bytes dropped), and IntegrationData is compacted JSON
// of at most MaxIntegrationData bytes, else {"truncated":true,"bytes":N}
// with N its compact size. Check applies it before anything is decided,
// logged or raised.
func (r Request) Bound() Request {
	r.IP = clip(r.IP, MaxIP)
	r.Device = clip(r.Device, MaxDevice)
	r.Location = clip(r.Location, MaxLocation)
	r.IntegrationType = clip(r.IntegrationType, MaxIntegrationType)
	r.IntegrationData = boundJSON(r.IntegrationData)
	return r
}

const ellipsis = "…"

// clip cuts s to at most max bytes of valid UTF-8.
func clip(s string, max int) string {
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	if len(s) <= max {
		return s
	}
	cut := max - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.ToValidUTF8(s[:cut], "") + ellipsis
}

// boundJSON compacts raw JSON and replaces it by a marker when it is over
// MaxIntegrationData (or is not JSON at all).
func boundJSON(raw string) string {
	if raw == "" {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(raw)); err != nil {
		return fmt.Sprintf(`{"truncated":true,"bytes":%d,"invalid":true}`, len(raw))
	}
	if buf.Len() > MaxIntegrationData {
		return fmt.Sprintf(`{"truncated":true,"bytes":%d}`, buf.Len())
	}
	return buf.String()
}
