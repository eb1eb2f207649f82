package audit

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"github.com/deadbolt-dev/deadbolt/internal/csvsafe"
	"io"
	"strconv"
	"strings"
	"time"
)

// Filter selects the records of an export. Zero fields select everything.
// Action and Target match exactly, or by prefix when they end in "*"
// ("account.*").
type Filter struct {
	Since, Until time.Time // Since inclusive, Until exclusive
	Action       string
	Actor        string
	Target       string
}

// IsZero reports whether f selects every record.
func (f Filter) IsZero() bool { return f == Filter{} }

// Match reports whether r is selected.
func (f Filter) Match(r Record) bool {
	return (f.Since.IsZero() || !r.At.Before(f.Since)) &&
		(f.Until.IsZero() || r.At.Before(f.Until)) &&
		matches(f.Action, r.Action) && (f.Actor == "" || f.Actor == r.Actor) && matches(f.Target, r.Target)
}

func matches(pattern, v string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(v, prefix)
	}
	return pattern == "" || pattern == v
}

// Format is an export format.
type Format string

// Export formats.
const (
	// JSONL is one record a line, every field including prev_hash and
	// hash, so that an export can be verified on its own.
	JSONL Format = "jsonl"
	// CSV is for spreadsheets: the same fields, data as its JSON text.
	CSV Format = "csv"
)

// CSVHeader is the first line of a CSV export.
var CSVHeader = []string{"tenant", "seq", "at", "actor", "action", "target", "data", "prev_hash", "hash"}

// Writer writes records in one format. Call Flush at the end.
type Writer struct {
	w   *bufio.Writer
	csv *csv.Writer
	enc *json.Encoder
}

// NewWriter returns a Writer of format f on w.
func NewWriter(w io.Writer, f Format) (*Writer, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	switch f {
	case JSONL:
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		return &Writer{w: bw, enc: enc}, nil
	case CSV:
		cw := csv.NewWriter(bw)
		if err := cw.Write(CSVHeader); err != nil {
			return nil, err
		}
		return &Writer{w: bw, csv: cw}, nil
	default:
		return nil, fmt.Errorf("export format %q: want jsonl or csv", f)
	}
}

// Write writes one record.
func (x *Writer) Write(r Record) error {
	if x.enc != nil {
		return x.enc.Encode(r)
	}
	return x.csv.Write(csvsafe.Row([]string{r.TenantID, strconv.FormatInt(r.Seq, 10), r.At.UTC().Format(time.RFC3339Nano),
		r.Actor, r.Action, r.Target, string(r.Data), r.PrevHash, r.Hash}))
}

// Flush writes what is buffered.
func (x *Writer) Flush() error {
	if x.csv != nil {
		x.csv.Flush()
		if err := x.csv.Error(); err != nil {
			return err
		}
	}
	return x.w.Flush()
}

// ReadJSONL calls fn with each record of a JSONL export, in order. A line
// that is not a record stops it with an error naming the line.
func ReadJSONL(r io.Reader, fn func(Record) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var rec Record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return fmt.Errorf("line %d is not an audit record: %w", line, err)
		}
		if rec.TenantID == "" || rec.Seq <= 0 || rec.Hash == "" {
			return fmt.Errorf("line %d is not an audit record: tenant, seq or hash missing", line)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return sc.Err()
}
