package checklog

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Columns are the fields of an exported check record, in order: the CSV
// header of `deadbolt checks export` and the keys of its JSONL lines, which
// are also the deadbolt JSON of a check decision streamed to a SIEM.
var Columns = []string{"id", "tenant", "app", "issuer", "account", "at", "locked", "status", "ip", "device",
	"location", "integration_type", "kid", "policy_id"}

// Fields are c's values in the order of Columns; issuer is its
// application's.
func Fields(c store.CheckRecord, issuer string) []string {
	return []string{c.ID, c.TenantID, c.AppID, issuer, c.Account, c.At.UTC().Format(time.RFC3339Nano),
		strconv.FormatBool(c.Locked), c.Status, c.IP, c.Device, c.Location, c.IntegrationType, c.KID, c.PolicyID}
}

// JSON is c as one JSON object with the keys of Columns, every value a
// string but locked, a boolean.
func JSON(c store.CheckRecord, issuer string) ([]byte, error) {
	fields := Fields(c, issuer)
	row := make(map[string]any, len(fields))
	for i, k := range Columns {
		row[k] = fields[i]
	}
	row["locked"] = c.Locked
	return json.Marshal(row)
}
