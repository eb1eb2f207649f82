package exposure_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/exposure"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
)

// TestFormats: the HTML of the scripted week is one self-contained page
// (no script, nothing fetched: no URL at all), well-formed enough for a
// strict XML parser, with three charts each titled, described and
// followed by a table; the CSV has a row per account; the JSON reads
// back.
func TestFormats(t *testing.T) {
	tl := play(t, backends.SQLite(t))
	rep := tl.build(t, exposure.Options{Geo: tl.geo})

	var page bytes.Buffer
	if err := exposure.Write(&page, rep, exposure.HTML); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	for _, bad := range []string{"<script", "http:", "https:", "//", "src=", "url(", "@import", "<link", "<iframe", "<img"} {
		if i := strings.Index(strings.ToLower(html), bad); i >= 0 {
			t.Errorf("the HTML holds %q: …%s…", bad, html[max(0, i-60):min(len(html), i+60)])
		}
	}
	d := xml.NewDecoder(strings.NewReader(strings.TrimPrefix(html, "<!DOCTYPE html>")))
	d.Strict = true
	count := map[string]int{}
	var stack []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the HTML does not parse: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if len(stack) > 0 && stack[len(stack)-1] == "svg" {
				count["svg>"+tok.Name.Local]++
			}
			stack = append(stack, tok.Name.Local)
			count[tok.Name.Local]++
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if count["svg"] != 4 || count["svg>title"] != 4 || count["svg>desc"] != 4 || count["table"] < 5 || count["style"] != 1 {
		t.Errorf("the HTML has %d charts (%d titled, %d described), %d tables, %d style blocks; want 4 charts, all titled and described, at least 5 tables, 1 style",
			count["svg"], count["svg>title"], count["svg>desc"], count["table"], count["style"])
	}
	for _, want := range []string{"203.0.113.7 (PT) ×3", "198.51.100.1 (US) ×2", "bob@acme.test, carol@acme.test", "never used", "@media print", "1 d 2 h 30 min", "<h2>Caveats</h2>", "group temps (deleted 2026-11-08T12:00:00Z)"} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML lacks %q", want)
		}
	}
	if !regexp.MustCompile(`<svg viewBox="[^"]+" role="img" aria-labelledby="bars-title bars-desc"`).MatchString(html) {
		t.Error("the bar chart is not labelled by its title and description")
	}

	var c bytes.Buffer
	if err := exposure.Write(&c, rep, exposure.CSV); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&c).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+len(rep.Accounts) || rows[0][4] != "open_seconds" || rows[3][2] != "alice" || rows[3][4] != "16200" ||
		rows[3][14] != "203.0.113.7 PT 3; 198.51.100.1 US 2" || rows[3][17] != "5400" || !strings.Contains(rows[3][18], "group temps") {
		t.Errorf("CSV:\n%v", rows)
	}

	var j bytes.Buffer
	if err := exposure.Write(&j, rep, exposure.JSON); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Totals struct {
			Open    float64 `json:"open_seconds"`
			Blocked int     `json:"blocked_signins"`
		} `json:"totals"`
		Accounts []map[string]any `json:"accounts"`
	}
	if err := json.Unmarshal(j.Bytes(), &back); err != nil || back.Totals.Open != 95400 || back.Totals.Blocked != 5 || len(back.Accounts) != 6 {
		t.Errorf("JSON: %v %+v", err, back)
	}
	if err := exposure.Write(io.Discard, rep, "pdf"); err == nil {
		t.Error("a pdf report was written")
	}
}
