package audit

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"github.com/deadbolt-dev/deadbolt/internal/csvsafe"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
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
	w       *bufio.Writer
	format  Format
	scratch []byte
}

// NewWriter returns a Writer of format f on w.
func NewWriter(w io.Writer, f Format) (*Writer, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	switch f {
	case JSONL:
	case CSV:
		cw := csv.NewWriter(bw)
		if err := cw.Write(CSVHeader); err != nil {
			return nil, err
		}
		cw.Flush()
	default:
		return nil, fmt.Errorf("export format %q: want jsonl or csv", f)
	}
	return &Writer{w: bw, format: f}, nil
}

// Write writes one record.
func (x *Writer) Write(r Record) error {
	var err error
	if x.scratch, err = x.format.AppendRecord(x.scratch[:0], r); err != nil {
		return err
	}
	return x.WriteEncoded(x.scratch)
}

// WriteEncoded writes a record that AppendRecord of the Writer's format
// encoded, so that records can be encoded on other goroutines.
func (x *Writer) WriteEncoded(b []byte) error {
	_, err := x.w.Write(b)
	return err
}

// Flush writes what is buffered.
func (x *Writer) Flush() error { return x.w.Flush() }

// Format is the Writer's format.
func (x *Writer) Format() Format { return x.format }

// AppendRecord appends r to b as one line of f: a JSON object as
// encoding/json writes Record (without HTML escaping), or a CSV row as
// encoding/csv writes the CSVHeader columns, each cell csvsafe. It may be
// called on any goroutine. The error is encoding/json's for a record it
// cannot write (data that is not JSON).
func (f Format) AppendRecord(b []byte, r Record) ([]byte, error) {
	if f == CSV {
		return appendCSVRow(b, r), nil
	}
	return appendJSONL(b, r)
}

// appendJSONL writes the common record directly: data in canonical form
// and a year encoding/json accepts. Anything else goes through
// encoding/json (TestAppendRecordMatchesEncoders holds the two ways to the
// same bytes).
func appendJSONL(b []byte, r Record) ([]byte, error) {
	if y := r.At.Year(); y < 0 || y > 9999 || !isCanonicalJSON(r.Data) {
		buf := bytes.NewBuffer(b)
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		err := enc.Encode(r)
		return buf.Bytes(), err
	}
	b = append(b, `{"tenant":`...)
	b = appendJSONString(b, r.TenantID)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, r.Seq, 10)
	b = append(b, `,"at":"`...)
	b = r.At.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","actor":`...)
	b = appendJSONString(b, r.Actor)
	b = append(b, `,"action":`...)
	b = appendJSONString(b, r.Action)
	b = append(b, `,"target":`...)
	b = appendJSONString(b, r.Target)
	b = append(b, `,"data":`...)
	b = append(b, r.Data...)
	b = append(b, `,"prev_hash":`...)
	b = appendJSONString(b, r.PrevHash)
	b = append(b, `,"hash":`...)
	b = appendJSONString(b, r.Hash)
	return append(b, "}\n"...), nil
}

// appendCSVRow writes r's row as encoding/csv's Writer does with its
// defaults (comma, \n line ends).
func appendCSVRow(b []byte, r Record) []byte {
	b = appendCSVCell(b, r.TenantID)
	b = append(b, ',')
	if r.Seq < 0 {
		b = append(b, '\'') // as csvsafe.Cell does for a leading '-'
	}
	b = strconv.AppendInt(b, r.Seq, 10)
	b = append(b, ',')
	b = r.At.UTC().AppendFormat(b, time.RFC3339Nano) // years 1677 to 2262: no quotes
	for _, cell := range [...]string{r.Actor, r.Action, r.Target, string(r.Data), r.PrevHash, r.Hash} {
		b = append(b, ',')
		b = appendCSVCell(b, cell)
	}
	return append(b, '\n')
}

func appendCSVCell(b []byte, field string) []byte {
	field = csvsafe.Cell(field)
	if !csvNeedsQuotes(field) {
		return append(b, field...)
	}
	b = append(b, '"')
	for len(field) > 0 {
		i := strings.IndexAny(field, "\"\r\n")
		if i < 0 {
			i = len(field)
		}
		b = append(b, field[:i]...)
		field = field[i:]
		if len(field) > 0 {
			if field[0] == '"' {
				b = append(b, '"', '"')
			} else {
				b = append(b, field[0])
			}
			field = field[1:]
		}
	}
	return append(b, '"')
}

// csvNeedsQuotes is encoding/csv's rule for a comma-separated field.
func csvNeedsQuotes(field string) bool {
	if field == "" {
		return false
	}
	if field == `\.` || strings.ContainsAny(field, "\n\r\",") {
		return true
	}
	r1, _ := utf8.DecodeRuneInString(field)
	return unicode.IsSpace(r1)
}

// ReadJSONL calls fn with each record of a JSONL export, in order. A line
// that is not a record stops it with an error naming the line.
func ReadJSONL(r io.Reader, fn func(Record) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		rec, ok, err := decodeLine(sc.Bytes(), line)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return sc.Err()
}

// decodeLine reads one line of a JSONL export; a blank line is not ok.
func decodeLine(b []byte, line int) (rec Record, ok bool, err error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return rec, false, nil
	}
	if rec, ok = decodeExported(b); !ok {
		rec = Record{}
		if err := json.Unmarshal(b, &rec); err != nil {
			return rec, false, fmt.Errorf("line %d is not an audit record: %w", line, err)
		}
	}
	if rec.TenantID == "" || rec.Seq <= 0 || rec.Hash == "" {
		return rec, false, fmt.Errorf("line %d is not an audit record: tenant, seq or hash missing", line)
	}
	return rec, true, nil
}

// jsonlBatch is how many lines ReadJSONLSummed gives one goroutine.
var jsonlBatch = 2000

// ReadJSONLSummed is ReadJSONL for a verifier: it decodes batches of
// lines and recomputes each record's hash (SumsOf) on up to workers
// goroutines at once, and calls fn with each record and its Sum, in
// order, on the caller's goroutine (for Chain.AddSummed). What fn and
// a bad line return first in line order is what it returns.
func ReadJSONLSummed(r io.Reader, workers int, fn func(Record, Sum) error) error {
	type result struct {
		recs []Record
		sums []Sum
		err  error // a bad line, after recs
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(done)
	pending := make(chan chan result, max(1, workers))
	wg.Go(func() {
		defer close(pending)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for line, eof := 1, false; !eof; {
			var buf []byte
			var ends []int
			first := line
			for ; len(ends) < jsonlBatch; line++ {
				if eof = !sc.Scan(); eof {
					break
				}
				buf = append(buf, sc.Bytes()...)
				ends = append(ends, len(buf))
			}
			scanErr := sc.Err()
			next := make(chan result, 1)
			select {
			case pending <- next:
			case <-done:
				return
			}
			wg.Go(func() {
				var res result
				start := 0
				for i, end := range ends {
					rec, ok, err := decodeLine(buf[start:end], first+i)
					start = end
					if err != nil {
						res.err = err
						break
					}
					if ok {
						res.recs = append(res.recs, rec)
					}
				}
				if res.err == nil {
					res.err = scanErr
				}
				res.sums = SumsOf(res.recs)
				next <- res
			})
		}
	})
	for next := range pending {
		res := <-next
		for i, rec := range res.recs {
			if err := fn(rec, res.sums[i]); err != nil {
				return err
			}
		}
		if res.err != nil {
			return res.err
		}
	}
	return nil
}

// decodeExported reads a line as AppendRecord writes it for a common
// record (the keys in its order, plain strings, data in canonical form),
// without reflection; ok is false for any other line, which
// encoding/json then reads (FuzzDecodeExportedMatchesEncodingJSON holds
// the two to the same record).
func decodeExported(b []byte) (r Record, ok bool) {
	field := func(key string) bool {
		var found bool
		b, found = bytes.CutPrefix(b, []byte(key))
		return found
	}
	str := func(key string, dst *string) bool {
		if !field(key) {
			return false
		}
		s, rest, ok := canonicalString(b)
		if !ok {
			return false
		}
		*dst, b = string(s), rest
		return true
	}
	var seq, at string
	if !str(`{"tenant":`, &r.TenantID) || !field(`,"seq":`) || len(b) == 0 || b[0] < '0' || b[0] > '9' {
		return r, false
	}
	rest, ok := canonicalInteger(b)
	if !ok {
		return r, false
	}
	seq, b = string(b[:len(b)-len(rest)]), rest
	var err error
	if r.Seq, err = strconv.ParseInt(seq, 10, 64); err != nil {
		return r, false
	}
	if !str(`,"at":`, &at) || r.At.UnmarshalText([]byte(at)) != nil ||
		!str(`,"actor":`, &r.Actor) || !str(`,"action":`, &r.Action) || !str(`,"target":`, &r.Target) || !field(`,"data":`) {
		return r, false
	}
	if rest, ok = canonicalValue(b, 0); !ok {
		return r, false
	}
	r.Data, b = bytes.Clone(b[:len(b)-len(rest)]), rest
	if !str(`,"prev_hash":`, &r.PrevHash) || !str(`,"hash":`, &r.Hash) || string(b) != "}" {
		return r, false
	}
	return r, true
}
