package exposure

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"github.com/deadbolt-dev/deadbolt/internal/csvsafe"
	"io"
	"strconv"
	"strings"
	"time"
)

// Formats of a report.
const (
	HTML = "html"
	CSV  = "csv"
	JSON = "json"
)

// Write writes rep in format (HTML, CSV or JSON).
func Write(w io.Writer, rep *Report, format string) error {
	switch format {
	case HTML:
		return WriteHTML(w, rep)
	case CSV:
		return WriteCSV(w, rep)
	case JSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return fmt.Errorf("format %q: want html, csv or json", format)
}

// CSVHeader is the first line of the CSV: one row per account, lengths of
// time in seconds; the last column repeats the report's caveats on every
// row, joined by " | ".
var CSVHeader = []string{"tenant", "application", "account", "owner", "open_seconds", "grant_seconds", "approval_seconds",
	"break_glass_seconds", "schedule_seconds", "unlocks", "unused_unlocks", "approvers", "allowed_signins",
	"blocked_signins", "blocked_from", "since", "until", "locked_seconds", "caveats"}

// WriteCSV writes one row per account, for spreadsheets.
func WriteCSV(w io.Writer, rep *Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	caveats := strings.Join(rep.Caveats, " | ")
	secs := func(s Seconds) string { return strconv.FormatFloat(time.Duration(s).Seconds(), 'f', -1, 64) }
	for _, a := range rep.Accounts {
		var from []string
		for _, o := range a.From {
			f := o.IP
			if o.Country != "" {
				f += " " + o.Country
			}
			from = append(from, f+" "+strconv.Itoa(o.Count))
		}
		if err := cw.Write(csvsafe.Row([]string{rep.Tenant, a.Application, a.Account, a.Owner, secs(a.Open), secs(a.Grant), secs(a.Approval),
			secs(a.BreakGlass), secs(a.Schedule), strconv.Itoa(a.Unlocks), strconv.Itoa(a.Unused), strings.Join(a.Approvers, "; "),
			strconv.Itoa(a.Allowed), strconv.Itoa(a.Blocked), strings.Join(from, "; "),
			rep.Since.Format(time.RFC3339), rep.Until.Format(time.RFC3339), secs(a.Locked), caveats})); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
